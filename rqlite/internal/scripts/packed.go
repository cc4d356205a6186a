package scripts

// maxPackedDigits is the most digits that an item's length may have in a
// packed reply: Redis replies no string of a billion bytes or more (its
// proto-max-bulk-len is 512 MB), and nine digits fit an int everywhere.
const maxPackedDigits = 9

// unpackJob reads a taken job that take.lua packed in one string (see its
// pack): queue name, job ID, then the job hash as field, value... Each
// item is its length in bytes in decimal, ':' and its bytes. The strings
// returned are substrings of s. It returns false for anything else: a
// length that is not digits (or has a leading zero), too long, past the
// end of s, or an odd number of hash items.
func unpackJob(s string) (*TakenJob, bool) {
	n, ok := countPacked(s)
	if !ok || n < 2 || n%2 != 0 {
		return nil, false
	}
	job := &TakenJob{Hash: make(map[string]string, n/2-1)}
	i := 0
	job.Queue, i, _ = packedItem(s, i)
	job.ID, i, _ = packedItem(s, i)
	for i < len(s) {
		var f, v string
		f, i, _ = packedItem(s, i)
		v, i, _ = packedItem(s, i)
		job.Hash[f] = v
	}
	return job, true
}

// countPacked returns how many items the packed string s holds, and false
// when it is not a well-formed packed string.
func countPacked(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); n++ {
		var ok bool
		if _, i, ok = packedItem(s, i); !ok {
			return 0, false
		}
	}
	return n, true
}

// packedItem reads the item of the packed string s that begins at i, and
// returns it and the index after it; false if it is not well formed.
func packedItem(s string, i int) (item string, next int, ok bool) {
	n, j := 0, i
	for ; j < len(s) && s[j] != ':'; j++ {
		c := s[j]
		if c < '0' || c > '9' || j-i == maxPackedDigits || j > i && s[i] == '0' {
			return "", 0, false
		}
		n = n*10 + int(c-'0')
	}
	if j == i || j == len(s) || n > len(s)-j-1 {
		return "", 0, false
	}
	j++
	return s[j : j+n], j + n, true
}
