package main

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSkipReply(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("+OK\r\n:1\r\n$3\r\nfoo\r\n$-1\r\n*3\r\n:1\r\n-ERR inner\r\n$2\r\nab\r\n*-1\r\n-ERR top\r\n"))
	for i, want := range []string{"", "", "", "", "ERR inner", "", "ERR top"} {
		err := skipReply(r)
		var re *ReplyError
		switch {
		case want == "" && err != nil:
			t.Errorf("reply %d: %v", i, err)
		case want != "" && (!errors.As(err, &re) || re.Msg != want):
			t.Errorf("reply %d: %v, want the error reply %q", i, err, want)
		}
	}
	if err := skipReply(r); err != io.EOF {
		t.Errorf("after the replies: %v, want EOF", err)
	}
	if err := skipReply(bufio.NewReader(strings.NewReader("?x\r\n"))); err == nil {
		t.Error("no error for an unknown reply type")
	}
}

func TestAppendRESP(t *testing.T) {
	got := string(appendRESP(nil, [][]any{{"set", "k", "héllo"}, {"ping"}}))
	if want := "*3\r\n$3\r\nset\r\n$1\r\nk\r\n$6\r\nhéllo\r\n*1\r\n$4\r\nping\r\n"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestRawConn checks that a raw connection writes in the database of its
// URL, reads every reply of a pipeline and reports an error reply.
func TestRawConn(t *testing.T) {
	e := testEnv(t, 100)
	rc, err := dialRaw(e.ctx, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	err = rc.do(appendRESP(nil, [][]any{{"set", "k", "v"}, {"incr", "k"}, {"rpush", "l", "a", "b"}}), 3)
	var re *ReplyError
	if !errors.As(err, &re) {
		t.Fatalf("INCR of a string: %v, want an error reply", err)
	}
	if err := rc.do(appendRESP(nil, [][]any{{"multi"}, {"rpush", "l", "c"}, {"exec"}}), 3); err != nil {
		t.Fatal(err)
	}
	if got, err := e.rdb.LRange(e.ctx, "l", 0, -1).Result(); err != nil || strings.Join(got, "") != "abc" {
		t.Errorf("the list holds %q (%v), want a b c", got, err)
	}
}
