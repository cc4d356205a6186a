package rqlite

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// The horse's pipe carries a job's bytes as they are, whatever they hold.
func TestHorseFramesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	req := &horseRequest{ID: "j1", Serializer: "pickle", TimeoutMS: 1500,
		Hash: map[string][]byte{"data": {0x80, 0xff, 0, '\n'}, "origin": []byte("default"), "meta": {}}}
	reply := horseReply{Kind: "ok", Value: []byte("\xff\x00NaN"), Error: "ñ", Stack: "a\nb", Cause: "timeout"}
	for _, err := range []error{req.write(&buf), reply.write(&buf), (&horseReply{Kind: "ok"}).write(&buf)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	r := bufio.NewReader(&buf)
	gotReq, err := readHorseRequest(r)
	if err != nil || gotReq.ID != req.ID || gotReq.Serializer != req.Serializer || gotReq.TimeoutMS != req.TimeoutMS ||
		len(gotReq.Hash) != 3 || !bytes.Equal(gotReq.Hash["data"], req.Hash["data"]) || len(gotReq.Hash["meta"]) != 0 {
		t.Errorf("request read back as %+v, %v; want %+v", gotReq, err, req)
	}
	if got, err := readHorseReply(r); err != nil || !reflect.DeepEqual(got, reply) {
		t.Errorf("reply read back as %+v, %v; want %+v", got, err, reply)
	}
	if got, err := readHorseReply(r); err != nil || got.Value != nil {
		t.Errorf("a reply without a value read back as %+v, %v; want a nil Value", got, err)
	}
	if _, err := readHorseReply(r); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestHorseFramesMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"field beyond the frame": {3, 5, 'a', 'b'},
		"huge frame":             {0xff, 0xff, 0xff, 0xff, 0x7f},
		"wrong field count":      {2, 1, 'a'},
	} {
		if _, err := readHorseReply(bufio.NewReader(bytes.NewReader(b))); !errors.Is(err, errFrame) {
			t.Errorf("%s: err = %v, want errFrame", name, err)
		}
	}
	if _, err := readHorseReply(bufio.NewReader(bytes.NewReader([]byte{5, 1, 'a'}))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated frame: err = %v, want io.ErrUnexpectedEOF", err)
	}
}
