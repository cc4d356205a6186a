package rqlite

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	ogórek "github.com/kisielk/og-rek"
)

// pickleEdits are the opcodes of a pickle that gopickle reads otherwise
// than Python, each with the opcode that it reads as Python reads that
// one: a str of protocol 0 (UNICODE, raw-unicode-escaped, and Python 2's
// STRING, escaped), which gopickle keeps escaped, as a BINUNICODE; an int
// of no bytes (a LONG1 or LONG4 of length 0, which is 0), at which
// gopickle panics, as a BININT1 or BININT; an INT beyond int64, which
// gopickle refuses, as a LONG.
type pickleEdits struct {
	list []pickleEdit
	// texts is the UNICODE and STRING opcodes, one after the other, that
	// og-rek unescapes, all at once.
	texts []byte
}

// A pickleEdit writes the opcode that starts at at as with, or, if text,
// as the str that the next of the texts is.
type pickleEdit struct {
	at   int
	with []byte
	text bool
}

// note notes the edit, if any, of op, of argument arg, that starts at at.
func (e *pickleEdits) note(at int, op byte, arg []byte) {
	var with []byte
	switch op {
	case 'V', 'S':
		e.list = append(e.list, pickleEdit{at: at, text: true})
		e.texts = append(append(e.texts, op), arg...)
		return
	case 'I':
		text := string(bytes.TrimSuffix(arg, []byte("\n")))
		if _, err := strconv.ParseInt(text, 10, 64); err != nil && text != "00" && text != "01" {
			with = append([]byte{'L'}, arg...)
		}
	case 0x8a:
		if arg[0] == 0 {
			with = []byte("K\x00")
		}
	case 0x8b:
		if len(arg) == 4 {
			with = []byte("J\x00\x00\x00\x00")
		}
	}
	if with != nil {
		e.list = append(e.list, pickleEdit{at: at, with: with})
	}
}

// unescape sets the edits of the texts, unescaped by og-rek.
func (e *pickleEdits) unescape() error {
	if len(e.texts) == 0 {
		return nil
	}
	p := append(append([]byte{'('}, e.texts...), 't', '.')
	v, err := ogórek.NewDecoderWithConfig(bytes.NewReader(p), &ogórek.DecoderConfig{StrictUnicode: true}).Decode()
	if err != nil {
		return invalidPickle(strconv.QuoteToASCII(err.Error()))
	}
	texts, _ := v.(ogórek.Tuple)
	for i := range e.list {
		if !e.list[i].text {
			continue
		}
		if len(texts) == 0 {
			return invalidPickle("og-rek reads fewer strs than the pickle writes")
		}
		var s string
		switch t := texts[0].(type) {
		case string:
			s = t
		case ogórek.ByteString:
			s = string(t)
		default:
			return invalidPickle(fmt.Sprintf("og-rek reads a str as %T", t))
		}
		texts = texts[1:]
		e.list[i].with = append(binary.LittleEndian.AppendUint32([]byte{'X'}, uint32(len(s))), s...)
	}
	return nil
}

// apply returns data, a pickle that walkPickle walked to its final STOP,
// with the edits made, and without its FRAMEs, whose sizes no longer
// hold (a pickle reads the same without them); or data itself, if there
// are no edits.
func (e *pickleEdits) apply(data []byte) ([]byte, error) {
	if len(e.list) == 0 {
		return data, nil
	}
	if err := e.unescape(); err != nil {
		return nil, err
	}
	edits := e.list
	out := make([]byte, 0, len(data)+len(data)/8)
	for i := 0; i < len(data); {
		n, _ := pickleArg(data[i+1:], data[i])
		switch {
		case len(edits) > 0 && edits[0].at == i:
			out = append(out, edits[0].with...)
			edits = edits[1:]
		case data[i] != 0x95:
			out = append(out, data[i:i+1+n]...)
		}
		i += 1 + n
	}
	return out, nil
}
