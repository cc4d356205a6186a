package scripts

// unpackJob reads a taken job as take.lua's pack replies it: {the items
// concatenated, {the length in bytes of each}}, the items being the queue
// name, the job ID, then the job hash as field, value... The strings
// returned are substrings of the one reply string. It returns false for
// anything else: other types, a length that is negative or runs past the
// end, lengths that do not add up to the string, or an odd number of hash
// items.
func unpackJob(res any) (*TakenJob, bool) {
	pair, _ := res.([]any)
	if len(pair) != 2 {
		return nil, false
	}
	data, ok1 := pair[0].(string)
	lengths, ok2 := pair[1].([]any)
	if !ok1 || !ok2 || len(lengths) < 2 || len(lengths)%2 != 0 || !lengthsFit(lengths, len(data)) {
		return nil, false
	}
	at := 0
	item := func(i int) string {
		n := int(lengths[i].(int64))
		at += n
		return data[at-n : at]
	}
	job := &TakenJob{Queue: item(0), ID: item(1), Hash: make(map[string]string, len(lengths)/2-1)}
	for i := 2; i < len(lengths); i += 2 {
		f := item(i)
		job.Hash[f] = item(i + 1)
	}
	return job, true
}

// lengthsFit reports whether lengths are integers from 0 up that add up to
// size.
func lengthsFit(lengths []any, size int) bool {
	left := int64(size)
	for _, l := range lengths {
		n, ok := l.(int64)
		if !ok || n < 0 || n > left {
			return false
		}
		left -= n
	}
	return left == 0
}
