package rqlite

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The pipes between a worker and its horse carry frames: a frame is its
// length (a uvarint) and then its fields, each its length (a uvarint) and
// its bytes. The job's bytes cross as they are, with no encoding either way.
//
//	request  id, serializer name, timeout in ms (decimal), then the job
//	         hash's field, value...
//	reply    kind, value, error, stack, cause (see horseReply)

// maxFrame bounds a frame: a job hash or a result larger than this cannot
// cross (Redis bounds a value at 512 MB).
const maxFrame = 1 << 30

var errFrame = errors.New("malformed frame on the horse's pipe")

// writeFrame writes fields as one frame, in one Write, built in one
// buffer of its exact size.
func writeFrame(w io.Writer, fields ...[]byte) error {
	size := 0
	for _, f := range fields {
		size += uvarintLen(uint64(len(f))) + len(f)
	}
	frame := make([]byte, 0, uvarintLen(uint64(size))+size)
	frame = binary.AppendUvarint(frame, uint64(size))
	for _, f := range fields {
		frame = binary.AppendUvarint(frame, uint64(len(f)))
		frame = append(frame, f...)
	}
	_, err := w.Write(frame)
	return err
}

// uvarintLen is how many bytes binary.AppendUvarint writes for n.
func uvarintLen(n uint64) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}

// readFrame reads one frame's fields.
func readFrame(r *bufio.Reader) ([][]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > maxFrame {
		return nil, fmt.Errorf("%w: %d bytes", errFrame, n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	var fields [][]byte
	for len(body) > 0 {
		l, k := binary.Uvarint(body)
		if k <= 0 || l > uint64(len(body)-k) {
			return nil, errFrame
		}
		fields = append(fields, body[k:k+int(l)])
		body = body[k+int(l):]
	}
	return fields, nil
}

func (q *horseRequest) write(w io.Writer) error {
	fields := make([][]byte, 0, 3+2*len(q.Hash))
	fields = append(fields, []byte(q.ID), []byte(q.Serializer), strconv.AppendInt(nil, q.TimeoutMS, 10))
	for f, v := range q.Hash {
		fields = append(fields, []byte(f), v)
	}
	return writeFrame(w, fields...)
}

func readHorseRequest(r *bufio.Reader) (*horseRequest, error) {
	fields, err := readFrame(r)
	if err != nil {
		return nil, err
	}
	if len(fields) < 3 || len(fields)%2 != 1 {
		return nil, errFrame
	}
	q := &horseRequest{ID: string(fields[0]), Serializer: string(fields[1]), Hash: make(map[string][]byte, len(fields)/2-1)}
	if q.TimeoutMS, err = strconv.ParseInt(string(fields[2]), 10, 64); err != nil {
		return nil, errFrame
	}
	for i := 3; i+1 < len(fields); i += 2 {
		q.Hash[string(fields[i])] = fields[i+1]
	}
	return q, nil
}

func (m *horseReply) write(w io.Writer) error {
	return writeFrame(w, []byte(m.Kind), m.Value, []byte(m.Error), []byte(m.Stack), []byte(m.Cause))
}

func readHorseReply(r *bufio.Reader) (horseReply, error) {
	fields, err := readFrame(r)
	if err != nil {
		return horseReply{}, err
	}
	if len(fields) != 5 {
		return horseReply{}, errFrame
	}
	m := horseReply{Kind: string(fields[0]), Error: string(fields[2]), Stack: string(fields[3]), Cause: string(fields[4])}
	if len(fields[1]) > 0 { // a serializer never writes nothing
		m.Value = fields[1]
	}
	return m, nil
}
