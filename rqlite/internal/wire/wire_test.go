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
	for _, y := range []string{"0000", "1900", "2000", "2024", "2026"} {
		for _, md := range []string{"01-31", "02-28", "02-29", "02-30", "04-30", "04-31", "12-31", "13-01", "00-10", "06-00"} {
			for _, hms := range []string{"00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60"} {
				inputs = append(inputs, y+"-"+md+"T"+hms+".000001Z")
			}
		}
	}
	for _, s := range inputs {
		// ParseTime gives what time.Parse gives for the strings of the
		// pattern.
		got, gotErr := ParseTime(s)
		if s != "" && (rqTimestamp.MatchString(s) || rqTimestampNoFraction.MatchString(s)) {
			layout := "2006-01-02T15:04:05.999999Z"
			if rqTimestampNoFraction.MatchString(s) {
				layout = fallbackLayout
			}
			want, wantErr := time.Parse(layout, s)
			if (gotErr == nil) != (wantErr == nil) || !got.Equal(want) {
				t.Errorf("ParseTime(%q) = %v, %v; time.Parse gives %v, %v", s, got, gotErr, want, wantErr)
			}
		} else if s != "" && gotErr == nil {
			t.Errorf("ParseTime(%q) accepted a string out of RQ's format", s)
		}
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
