package rqlite

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
)

// How deeply the values a pickle makes nest, followed opcode by opcode,
// for walkPickle (pickle_scan.go).

// A pickleScan follows how deeply the values on a pickle's stack, and
// those in its memo, nest, as gopickle makes them: a value that holds
// nothing is 0 deep, a list, tuple or dict 1 deeper than the deepest
// value it holds (its keys too), as the pickleReader counts. A list or
// dict that the pickle puts in the memo and then fills, as Python's
// pickler does, is as deep in the memo as on the stack; but one that it
// fills after a DUP, or after it took it from the memo, may nest deeper
// than followed here, and the pickleReader then stops it.
type pickleScan struct {
	limits Limits
	stack  depthStack
	memo   map[int]int // the depth of each value in the memo, by key
	tags   []memoTag   // the memo keys of the lists and dicts on the stack
	at     int         // where the opcode stepped over starts
	edits  pickleEdits
}

// A memoTag is a memo key of the list or dict at pos on the stack.
type memoTag struct{ pos, key int }

// What an opcode leaves on the stack of a pickle, once it has popped the
// values that it takes.
const (
	leavesNothing = iota // PROTO, FRAME, POP_MARK, BUILD
	leavesValue          // a value that holds none: an int, a str, an object...
	leavesNested         // a list, tuple or dict of the values popped
	leavesAdded          // the values popped, added to the list or dict below them
)

// A pickleOp is what an opcode does to the stack, for the opcodes that
// gopickle implements, but for MARK, POP, DUP, the memo's and the sets'.
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
	set("\x80\x95\x98", 0, leavesNothing)
	set("1", -1, leavesNothing)
	set("b", 1, leavesNothing) // BUILD: the object's state, which it keeps not
	// Calls and objects count 0 deep: the only calls that Go reads are
	// bytes, and the pickleReader refuses the others without looking in.
	set("R\x93\x81", 2, leavesValue)
	set("\x92", 3, leavesValue)
	set("io", -1, leavesValue)
	set("Q", 1, leavesValue)
	set("NFGIJKLMSTUVXBCPc\x82\x83\x84\x88\x89\x8a\x8b\x8c\x8d\x8e\x96", 0, leavesValue)
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
	if done, err := s.special(op, arg); done {
		return err
	}
	st := &s.stack
	o := pickleOps[op]
	if !o.known {
		return errScanEnd // gopickle fails at it: NEXT_BUFFER
	}
	deepest, ok := st.pop(o.pops)
	if !ok {
		return errScanEnd
	}
	s.trimTags()
	switch o.leaves {
	case leavesValue:
		st.push(0)
		return s.value(op, arg)
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

// special follows op, of argument arg, if it is one that pickleOps does
// not describe: MARK, POP, DUP, the memo's, the sets'.
func (s *pickleScan) special(op byte, arg []byte) (done bool, err error) {
	st := &s.stack
	switch op {
	case '(':
		// gopickle keeps a slice for each open mark, 280 bytes; the
		// marks that a value opens at once are not more than it is deep.
		if st.push(markDepth); st.marks > s.limits.MaxDepth {
			return true, depthError("pickle", s.limits.MaxDepth)
		}
		return true, nil
	case '0':
		err := st.drop()
		s.trimTags()
		return true, err
	case '2':
		d, ok := st.top()
		if !ok || d == markDepth {
			return true, errScanEnd
		}
		st.push(d)
		return true, nil
	case 'p', 'q', 'r', '\x94':
		return true, s.put(op, arg)
	case 'g', 'h', 'j':
		return true, s.get(op, arg)
	case '\x8f', '\x90':
		return true, unsupportedSet("set")
	case '\x91':
		return true, unsupportedSet("frozenset")
	}
	return false, nil
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
		s.memo[s.tags[k].key] = d
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

// value checks the value that op, of argument arg, pushes, and notes the
// edits that gopickle needs to read it as Python does.
func (s *pickleScan) value(op byte, arg []byte) error {
	if err := s.intDigits(op, arg); err != nil {
		return err
	}
	s.edits.note(s.at, op, arg)
	return nil
}

// intDigits fails if op writes an int, in text (INT, LONG) or in binary
// (LONG1, LONG4), of more digits than the MaxIntDigits limit: reading a
// number in text takes time that grows as its square, and printing a
// number as much.
func (s *pickleScan) intDigits(op byte, arg []byte) error {
	limit := s.limits.MaxIntDigits
	switch op {
	case 'I', 'L':
		text := bytes.TrimSuffix(bytes.TrimSuffix(arg, []byte("\n")), []byte("L"))
		return checkDigits("pickle", len(bytes.TrimLeft(text, "+-")), limit)
	case 0x8a, 0x8b: // a length of 1 or 4 bytes, then the int
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
	n := len(s.memo)
	if op != '\x94' {
		if n, ok = memoKey(op, arg); !ok || n < 0 {
			return errScanEnd
		}
	}
	if s.memo == nil {
		s.memo = make(map[int]int)
	}
	s.memo[n] = d
	if d > 0 { // a list or dict, that the pickle may fill
		s.trimTags()
		s.tags = append(s.tags, memoTag{s.stack.size - 1, n})
	}
	return nil
}

// get follows a GET, BINGET or LONG_BINGET, op, of argument arg. A key
// that the pickle did not set fails: gopickle would read it as None.
func (s *pickleScan) get(op byte, arg []byte) error {
	n, ok := memoKey(op, arg)
	if !ok {
		return errScanEnd
	}
	d, ok := s.memo[n]
	if !ok {
		return invalidPickle(fmt.Sprintf("memo key %d, which opcode %#02x at %d takes, was not set", n, op, s.at))
	}
	s.stack.push(d)
	return nil
}

// memoKey is the memo key of arg, the argument of op, a PUT or a GET of
// one of its forms, as gopickle reads it; ok is false where gopickle
// fails.
func memoKey(op byte, arg []byte) (n int, ok bool) {
	switch op {
	case 'q', 'h':
		return int(arg[0]), true
	case 'r', 'j':
		return int(binary.LittleEndian.Uint32(arg)), true
	}
	n, err := strconv.Atoi(string(bytes.TrimSuffix(arg, []byte("\n"))))
	return n, err == nil
}

// markDepth is the depth of a MARK on a depthStack.
const markDepth = -1

// A depthStack holds the depth of each value on a pickle's stack, and its
// marks, as runs of equal depths: a pickle that pushes a million empty
// lists before it nests them takes one run.
type depthStack struct {
	runs  []depthRun
	size  int // values and marks
	marks int
}

// A depthRun is n values of the same depth, or n marks.
type depthRun struct{ depth, n int }

func (s *depthStack) push(depth int) {
	s.size++
	if depth == markDepth {
		s.marks++
	}
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

// drop pops the value or mark on top, as gopickle's POP does.
func (s *depthStack) drop() error {
	k := len(s.runs) - 1
	if k < 0 {
		return errScanEnd
	}
	s.size--
	if s.runs[k].depth == markDepth {
		s.marks--
	}
	if s.runs[k].n--; s.runs[k].n == 0 {
		s.runs = s.runs[:k]
	}
	return nil
}

// pop pops n values, or if n is -1 those above the top mark and the mark,
// and returns how deep the deepest is (0 for none); ok is false where
// gopickle fails: a mark among the n values, no mark, too few values.
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
			s.marks--
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
