package rqlite

// A walk over a pickle's opcodes, before gopickle decodes it, that follows
// what the pickle makes: gopickle keeps its stack and memo in memory
// without a bound, and a pickle of a few megabytes can push tens of
// millions of values or memo entries, gigabytes of Go memory, or nest
// lists millions deep, which gopickle builds before the pickleReader sees
// how deep. It also refuses what gopickle would read otherwise than
// Python (a memo key that the pickle never set, which gopickle reads as
// None; a length beyond the data, for which gopickle allocates first),
// and rewrites the few opcodes that gopickle reads wrong.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Pickle opcodes, grouped by the argument that follows them.
const (
	pickleNoArg     = ".()012N}]Rabdelostu\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98Q"
	pickleLine      = "FILSVPgp"                 // an argument ended by a newline
	pickleTwoLines  = "ci"                       // GLOBAL, INST: module and name
	pickleLen1      = "UC\x8c\x8a"               // a 1-byte length, then that many bytes
	pickleLen4      = "TXB\x8b"                  // a 4-byte length
	pickleLen8      = "\x8d\x8e\x96"             // an 8-byte length
	pickleUncounted = ".0ab1\x80\x95eus\x90\x98" // make nothing: STOP, POP, APPEND, PROTO, FRAME...
)

// pickleFixed is the size of the argument of the opcodes that take one of
// a fixed size.
var pickleFixed = map[byte]int{'J': 4, 'K': 1, 'M': 2, 'h': 1, 'j': 4, 'q': 1, 'r': 4, 'G': 8,
	0x80: 1, 0x82: 1, 0x83: 2, 0x84: 4, 0x95: 8}

// scanPickle is walkPickle without the pickle it returns.
func scanPickle(data []byte, l Limits) error {
	_, err := walkPickle(data, l)
	return err
}

// walkPickle walks data, a pickle, up to its STOP, and fails with a
// *LimitError if it makes more values and memo entries than l.MaxItems,
// nests values deeper than l.MaxDepth, or writes an int of more digits
// than l.MaxIntDigits; with an *UnsupportedValueError at a set; and with
// an error if an opcode is unknown, its argument runs beyond the data, or
// it takes a memo key that was not set. It stops without error where
// gopickle's decoder fails (a stack too short, data that ends before a
// STOP): gopickle's error then says what is wrong. It returns data, or a
// copy that gopickle reads as Python reads data (see pickleEdits).
func walkPickle(data []byte, l Limits) ([]byte, error) {
	s := pickleScan{limits: l}
	items := 0
	for i := 0; i < len(data); {
		op := data[i]
		n, err := pickleArgAt(data, i)
		if err != nil {
			return nil, err
		}
		if op == '.' {
			return s.edits.apply(data[:i+1])
		}
		arg := data[i+1 : i+1+n]
		if strings.IndexByte(pickleUncounted, op) < 0 {
			if items++; items > l.MaxItems {
				return nil, limitError("MaxItems", l.MaxItems, "pickle makes more than %d values, the MaxItems limit", l.MaxItems)
			}
		}
		s.at = i
		if err := s.step(op, arg); err != nil {
			if err == errScanEnd {
				return data, nil
			}
			return nil, err
		}
		i += 1 + n
	}
	return data, nil
}

// pickleArgAt returns the size of the argument of the opcode at data[i],
// or an error if the opcode is unknown or its argument, or the frame it
// opens, runs beyond the data.
func pickleArgAt(data []byte, i int) (int, error) {
	op := data[i]
	n, ok := pickleArg(data[i+1:], op)
	if !ok {
		if !pickleKnown(op) {
			return 0, invalidPickle(fmt.Sprintf("unknown opcode %#02x at %d", op, i))
		}
		return 0, invalidPickle(fmt.Sprintf("the data ends within the argument of opcode %#02x at %d", op, i))
	}
	if op == 0x95 && binary.LittleEndian.Uint64(data[i+1:]) > uint64(len(data)-i-1-n) {
		return 0, invalidPickle(fmt.Sprintf("the data ends within the frame at %d", i))
	}
	return n, nil
}

// pickleKnown reports whether op is an opcode.
func pickleKnown(op byte) bool {
	_, fixed := pickleFixed[op]
	return fixed || strings.IndexByte(pickleNoArg+pickleLine+pickleTwoLines+pickleLen1+pickleLen4+pickleLen8, op) >= 0
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

// errScanEnd ends the walk where gopickle's decoder fails, without error.
var errScanEnd = errors.New("the pickle scan ends")
