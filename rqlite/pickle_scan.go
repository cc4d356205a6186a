package rqlite

// A walk over a pickle's opcodes, before og-rek decodes it, that counts
// what the pickle makes: og-rek keeps its stack and memo in memory without
// a bound, and a pickle of a few megabytes can push tens of millions of
// values or memo entries, gigabytes of Go memory.

import (
	"bytes"
	"encoding/binary"
	"fmt"
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

// scanPickle counts the values and memo entries that data, a pickle, makes
// up to its STOP, and fails if they are more than maxItems. It stops
// without error at an opcode it does not know, or where data ends too
// soon: og-rek's error then says what is wrong.
func scanPickle(data []byte, maxItems int) error {
	items := 0
	for i := 0; i < len(data); {
		op := data[i]
		n, ok := pickleArg(data[i+1:], op)
		if !ok || op == '.' {
			return nil
		}
		i += 1 + n
		if strings.IndexByte(pickleUncounted, op) < 0 {
			if items++; items > maxItems {
				return fmt.Errorf("pickle makes more than %d values, the MaxItems limit", maxItems)
			}
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
