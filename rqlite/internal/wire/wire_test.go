package wire

import (
	"bytes"
	"compress/zlib"
	"io"
	"strings"
	"testing"
	"time"
)

// TestIsTimeLayout checks the hand-written check of ParseTime against the
// pattern it stands for, on RQ's form and on every one-byte change of it.
func TestIsTimeLayout(t *testing.T) {
	base := "2026-11-27T12:42:43.123456Z"
	inputs := []string{base, "", "2026-11-27T12:42:43Z", "2026-11-27T12:42:43.1Z", base + "0", base[:len(base)-1]}
	for i := range base {
		for _, c := range []byte("0a9-T:.Z ,+") {
			b := []byte(base)
			b[i] = c
			inputs = append(inputs, string(b))
		}
	}
	for _, s := range inputs {
		if isTimeLayout(s) && !rqTimestamp.MatchString(s) {
			t.Errorf("isTimeLayout(%q) is true, but the pattern does not match it", s)
		}
		if rqTimestamp.MatchString(s) && len(s) == len(TimeLayout) && !isTimeLayout(s) {
			t.Errorf("isTimeLayout(%q) is false for a six-digit timestamp", s)
		}
	}
	got, err := ParseTime(base)
	if want := time.Date(2026, 11, 27, 12, 42, 43, 123456000, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("ParseTime(%q) = %v, %v; want %v", base, got, err, want)
	}
	if _, err := ParseTime("2026-13-27T12:42:43.123456Z"); err == nil {
		t.Error("ParseTime accepted month 13")
	}
}

// TestCompress checks that both forms of Compress (stored under 256
// bytes, deflated above) are zlib streams that give the input back.
func TestCompress(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 5000} {
		in := []byte(strings.Repeat("rqlite ", n)[:n])
		out := Compress(in)
		r, err := zlib.NewReader(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		back, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(back, in) {
			t.Errorf("%d bytes: zlib reads %d bytes back (%v)", n, len(back), err)
		}
		if n >= storeBelow && len(out) >= n {
			t.Errorf("%d bytes: not compressed (%d bytes out)", n, len(out))
		}
		if d, err := Decompress(out); err != nil || !bytes.Equal(d, in) {
			t.Errorf("%d bytes: Decompress gives %d bytes back (%v)", n, len(d), err)
		}
	}
}
