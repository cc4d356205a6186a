package rqlite

// A walk over a pickle's opcodes, before og-rek decodes it, that follows
// what the pickle makes: og-rek keeps its stack and memo in memory without
// a bound, and a pickle of a few megabytes can push tens of millions of
// values or memo entries, gigabytes of Go memory, or nest lists millions
// deep, which og-rek builds before the pickleReader sees how deep.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Pickle opcodes, grouped by the argument that follows them.
const (
	pickleNoArg     = ".()012N}]Rabdelostu\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98Q"
	pickleLine      = "FILSVPgp"             // an argument ended by a newline
	pickleTwoLines  = "ci"                   // GLOBAL, INST: module and name
	pickleLen1      = "UC\x8c\x8a"           // a 1-byte length, then that many bytes
	pickleLen4      = "TXB\x8b"              // a 4-byte length
	pickleLen8      = "\x8d\x8e\x96"         // an 8-byte length
	pickleUncounted = ".0ab1\x80\x95eus\x90" // make nothing: STOP, POP, APPEND, PROTO, FRAME...
)

// pickleFixed is the size of the argument of the opcodes that take one of
// a fixed size.
var pickleFixed = map[byte]int{'J': 4, 'K': 1, 'M': 2, 'h': 1, 'j': 4, 'q': 1, 'r': 4, 'G': 8,
	0x80: 1, 0x82: 1, 0x83: 2, 0x84: 4, 0x95: 8}

// scanPickle walks data, a pickle, up to its STOP, and fails with a
// *LimitError if it makes more values and memo entries than l.MaxItems,
// nests values deeper than l.MaxDepth, or writes in text an int of more
// digits than l.MaxIntDigits. It stops without error where og-rek's
// decoder fails (an opcode that og-rek does not know or implement, data
// that ends too soon, a stack too short): og-rek's error then says what
// is wrong.
func scanPickle(data []byte, l Limits) error {
	s := pickleScan{limits: l}
	items := 0
	for i := 0; i < len(data); {
		op := data[i]
		n, ok := pickleArg(data[i+1:], op)
		if !ok || op == '.' {
			return nil
		}
		arg := data[i+1 : i+1+n]
		i += 1 + n
		if strings.IndexByte(pickleUncounted, op) < 0 {
			if items++; items > l.MaxItems {
				return limitError("MaxItems", l.MaxItems, "pickle makes more than %d values, the MaxItems limit", l.MaxItems)
			}
		}
		if err := s.step(op, arg); err != nil {
			if err == errScanEnd {
				return nil
			}
			return err
		}
	}
	return nil
}

// pickleArg returns the size of the argument of op, which arg starts
// with; ok is false if op is unknown or arg too short.
func pickleArg(arg []byte, op byte) (n int, ok bool) {
	length := func(size int) (int, bool) {
		if len(arg) < size {
			return 0, false
		}
		var l uint64
		switch size {
		case 1:
			l = uint64(arg[0])
		case 4:
			l = uint64(binary.LittleEndian.Uint32(arg))
		default:
			l = binary.LittleEndian.Uint64(arg)
		}
		if l > uint64(len(arg)-size) {
			return 0, false
		}
		return size + int(l), true
	}
	switch {
	case strings.IndexByte(pickleNoArg, op) >= 0:
		return 0, true
	case strings.IndexByte(pickleLine, op) >= 0:
		n = bytes.IndexByte(arg, '\n')
		return n + 1, n >= 0
	case strings.IndexByte(pickleTwoLines, op) >= 0:
		first := bytes.IndexByte(arg, '\n')
		if first < 0 {
			return 0, false
		}
		second := bytes.IndexByte(arg[first+1:], '\n')
		return first + second + 2, second >= 0
	case strings.IndexByte(pickleLen1, op) >= 0:
		return length(1)
	case strings.IndexByte(pickleLen4, op) >= 0:
		return length(4)
	case strings.IndexByte(pickleLen8, op) >= 0:
		return length(8)
	}
	n, ok = pickleFixed[op]
	return n, ok && n <= len(arg)
}

// errScanEnd ends the walk where og-rek's decoder fails, without error.
var errScanEnd = errors.New("the pickle scan ends")

// A pickleScan follows how deeply the values on a pickle's stack, and
// those in its memo, nest, as og-rek makes them: a value that holds
// nothing is 0 deep, a list, tuple or dict 1 deeper than the deepest
// value it holds (its keys too), as the pickleReader counts. A list or
// dict that the pickle puts in the memo and then fills, as Python's
// pickler does, is as deep in the memo as on the stack; but one that it
// fills after a DUP, or after it took it from the memo, may nest deeper
// than followed here, and the pickleReader then stops it.
type pickleScan struct {
	limits Limits
	stack  depthStack
	memo   depthMemo
	tags   []memoTag // the memo keys of the lists and dicts on the stack
}

// A memoTag is a memo key of the list or dict at pos on the stack.
type memoTag struct {
	pos  int
	key  uint32
	text string
	num  bool
}

// What an opcode leaves on the stack of a pickle, once it has popped the
// values that it takes.
const (
	leavesNothing = iota // PROTO, FRAME; POP_MARK, which og-rek ignores
	leavesValue          // a value that holds none: an int, a str...
	leavesNested         // a list, tuple or dict of the values popped
	leavesAdded          // the values popped, added to the list or dict below them
)

// A pickleOp is what an opcode does to the stack, for the opcodes that
// og-rek implements, but for MARK, POP, DUP and the memo's.
type pickleOp struct {
	known  bool
	pops   int // the values it takes; -1 for those above the top mark
	leaves int
}

var pickleOps = func() (ops [256]pickleOp) {
	set := func(codes string, pops, leaves int) {
		for i := range len(codes) {
			ops[codes[i]] = pickleOp{true, pops, leaves}
		}
	}
	set("\x80\x951", 0, leavesNothing)
	// Calls (REDUCE, STACK_GLOBAL, BINPERSID) count 0 deep: og-rek turns
	// the only calls that Go reads into bytes, and the pickleReader
	// refuses the others without looking in.
	set("R\x93", 2, leavesValue)
	set("Q", 1, leavesValue)
	set("NFGIJKLMSTUVXBCPc\x88\x89\x8a\x8b\x8c\x8d\x8e\x96", 0, leavesValue)
	set("])}", 0, leavesNested)
	set("ltd", -1, leavesNested)
	set("\x85", 1, leavesNested)
	set("\x86", 2, leavesNested)
	set("\x87", 3, leavesNested)
	set("a", 1, leavesAdded)
	set("s", 2, leavesAdded)
	set("eu", -1, leavesAdded)
	return ops
}()

// step follows op, whose argument is arg.
func (s *pickleScan) step(op byte, arg []byte) error {
	st := &s.stack
	switch op {
	case '(':
		st.push(markDepth)
		return nil
	case '0':
		defer s.trimTags()
		return st.drop()
	case '2':
		d, ok := st.top()
		if !ok {
			return errScanEnd
		}
		st.push(d)
		return nil
	case 'p', 'q', 'r', '\x94':
		return s.put(op, arg)
	case 'g', 'h', 'j':
		return s.get(op, arg)
	}
	o := pickleOps[op]
	if !o.known {
		return errScanEnd // og-rek fails at it: BUILD, a set, an object...
	}
	deepest, ok := st.pop(o.pops)
	if !ok {
		return errScanEnd
	}
	s.trimTags()
	switch o.leaves {
	case leavesValue:
		st.push(0)
		return s.intDigits(op, arg)
	case leavesNested:
		return s.nested(1 + deepest)
	case leavesAdded:
		below, ok := st.pop(1)
		if !ok {
			return errScanEnd
		}
		if err := s.nested(max(below, 1+deepest)); err != nil {
			return err
		}
		s.retag()
	}
	return nil
}

// trimTags forgets the memo keys of values no longer on the stack.
func (s *pickleScan) trimTags() {
	for len(s.tags) > 0 && s.tags[len(s.tags)-1].pos >= s.stack.size {
		s.tags = s.tags[:len(s.tags)-1]
	}
}

// retag sets the depth of the list or dict on top, filled, in the memo.
func (s *pickleScan) retag() {
	d, _ := s.stack.top()
	for k := len(s.tags) - 1; k >= 0 && s.tags[k].pos == s.stack.size-1; k-- {
		t := s.tags[k]
		s.memo.set(t.key, t.text, t.num, d)
	}
}

// nested pushes a list, tuple or dict depth deep, if that is within the
// MaxDepth limit.
func (s *pickleScan) nested(depth int) error {
	if depth > s.limits.MaxDepth {
		return depthError("pickle", s.limits.MaxDepth)
	}
	s.stack.push(depth)
	return nil
}

// depthError is the error of what nests deeper than the MaxDepth limit,
// max: a JSON or a pickle value (what).
func depthError(what string, max int) *LimitError {
	return limitError("MaxDepth", max, "%s nested more than %d deep, the MaxDepth limit", what, max)
}

// intDigits fails if op writes an int, in text (INT, LONG) or in binary
// (LONG1, LONG4), of more digits than the MaxIntDigits limit: og-rek's
// reading of a number in text takes time that grows as its square, and
// printing a number as much.
func (s *pickleScan) intDigits(op byte, arg []byte) error {
	limit := s.limits.MaxIntDigits
	switch op {
	case 'I', 'L':
		text := bytes.TrimSuffix(bytes.TrimSuffix(arg, []byte("\n")), []byte("L"))
		return checkDigits("pickle", len(bytes.TrimLeft(text, "+-")), limit)
	case 0x8a, 0x8b: // a length of 1 or 4 bytes, then the int
		if op == 0x8a && arg[0] >= 0x80 {
			// og-rek reads this length as negative, then the int's bytes
			// as opcodes, which this walk would not see.
			return unsupported("int", "the pickle holds an int of %d bytes (LONG1), which og-rek misreads", arg[0])
		}
		b := arg[1+3*int(op-0x8a):]
		if float64(8*len(b)) <= float64(limit)*math.Log2(10) {
			return nil // |n| <= 2**(8*len(b)-1) < 10**limit
		}
		if n := intDigitsOver(longValue(b), limit); n > 0 {
			return checkDigits("pickle", n, limit)
		}
	}
	return nil
}

// longValue is the int that b holds as LONG1 and LONG4 write it: in two's
// complement, little-endian.
func longValue(b []byte) *big.Int {
	be := slices.Clone(b)
	slices.Reverse(be)
	n := new(big.Int).SetBytes(be)
	if len(be) > 0 && be[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(be))))
	}
	return n
}

// checkDigits fails if an integer of n digits, in a JSON or a pickle value
// (what), is beyond the MaxIntDigits limit, max.
func checkDigits(what string, n, max int) error {
	if n <= max {
		return nil
	}
	return limitError("MaxIntDigits", max, "%s holds an integer of %d digits, more than %d, the MaxIntDigits limit (as Python's int_max_str_digits)", what, n, max)
}

// put follows a PUT, BINPUT, LONG_BINPUT or MEMOIZE, op, of argument arg.
func (s *pickleScan) put(op byte, arg []byte) error {
	d, ok := s.stack.top()
	if !ok || d == markDepth {
		return errScanEnd
	}
	n, text, isNum := uint32(s.memo.len()), "", true
	if op != '\x94' {
		n, text, isNum = memoKey(op, arg)
	}
	s.memo.set(n, text, isNum, d)
	if d > 0 { // a list or dict, that the pickle may fill
		s.trimTags()
		s.tags = append(s.tags, memoTag{s.stack.size - 1, n, text, isNum})
	}
	return nil
}

// get follows a GET, BINGET or LONG_BINGET, op, of argument arg.
func (s *pickleScan) get(op byte, arg []byte) error {
	n, text, isNum := memoKey(op, arg)
	d, ok := s.memo.get(n, text, isNum)
	if !ok {
		return errScanEnd
	}
	s.stack.push(d)
	return nil
}

// memoKey is the memo key of arg, the argument of op, a PUT or a GET of
// one of its forms: a number, or a text for a PUT or GET that writes
// another than the number og-rek writes (it keys its memo by text).
func memoKey(op byte, arg []byte) (n uint32, text string, isNum bool) {
	switch op {
	case 'q', 'h':
		return uint32(arg[0]), "", true
	case 'r', 'j':
		return binary.LittleEndian.Uint32(arg), "", true
	}
	line := string(bytes.TrimSuffix(arg, []byte("\n")))
	u, err := strconv.ParseUint(line, 10, 32)
	if err != nil || strconv.FormatUint(u, 10) != line {
		return 0, line, false
	}
	return uint32(u), "", true
}

// markDepth is the depth of a MARK on a depthStack.
const markDepth = -1

// A depthStack holds the depth of each value on a pickle's stack, and its
// marks, as runs of equal depths: a pickle that pushes a million empty
// lists before it nests them takes one run.
type depthStack struct {
	runs []depthRun
	size int // values and marks
}

// A depthRun is n values of the same depth, or n marks.
type depthRun struct{ depth, n int }

func (s *depthStack) push(depth int) {
	s.size++
	if k := len(s.runs) - 1; k >= 0 && s.runs[k].depth == depth {
		s.runs[k].n++
		return
	}
	s.runs = append(s.runs, depthRun{depth, 1})
}

// top is the depth of the value on top, or markDepth; ok is false if the
// stack is empty.
func (s *depthStack) top() (depth int, ok bool) {
	if len(s.runs) == 0 {
		return 0, false
	}
	return s.runs[len(s.runs)-1].depth, true
}

// drop pops the value or mark on top, as og-rek's POP does.
func (s *depthStack) drop() error {
	k := len(s.runs) - 1
	if k < 0 {
		return errScanEnd
	}
	s.size--
	if s.runs[k].n--; s.runs[k].n == 0 {
		s.runs = s.runs[:k]
	}
	return nil
}

// pop pops n values, or if n is -1 those above the top mark and the mark,
// and returns how deep the deepest is (0 for none); ok is false where
// og-rek fails: a mark among the n values, no mark, too few values.
func (s *depthStack) pop(n int) (deepest int, ok bool) {
	for n != 0 {
		k := len(s.runs) - 1
		if k < 0 {
			return 0, false
		}
		r := &s.runs[k]
		if r.depth == markDepth {
			if n > 0 {
				return 0, false
			}
			n = 1 // the mark itself
		} else {
			deepest = max(deepest, r.depth)
		}
		take := r.n
		if n > 0 {
			take = min(n, r.n)
			n -= take
		}
		s.size -= take
		if r.n -= take; r.n == 0 {
			s.runs = s.runs[:k]
		}
	}
	return deepest, true
}

// A depthMemo is the depth of each value in a pickle's memo, by og-rek's
// key: a number, or a text for the few that PUT writes otherwise.
type depthMemo struct {
	nums  map[uint32]int
	texts map[string]int
}

// len is how many entries og-rek's memo holds, the key of MEMOIZE.
func (m *depthMemo) len() int { return len(m.nums) + len(m.texts) }

func (m *depthMemo) set(n uint32, text string, isNum bool, depth int) {
	if isNum {
		if m.nums == nil {
			m.nums = make(map[uint32]int)
		}
		m.nums[n] = depth
		return
	}
	if m.texts == nil {
		m.texts = make(map[string]int)
	}
	m.texts[text] = depth
}

func (m *depthMemo) get(n uint32, text string, isNum bool) (depth int, ok bool) {
	if isNum {
		depth, ok = m.nums[n]
	} else {
		depth, ok = m.texts[text]
	}
	return depth, ok
}
