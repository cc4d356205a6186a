package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// runBackground runs the rq command with args in a goroutine and returns
// its output and a channel with its exit status.
func runBackground(args ...string) (out, errOut *rqtest.Buffer, status chan int) {
	out, errOut, status = &rqtest.Buffer{}, &rqtest.Buffer{}, make(chan int, 1)
	go func() { status <- run(args, out, errOut) }()
	return out, errOut, status
}

// interrupt sends Ctrl-C to this process once the command that wrote out
// has drawn twice (by then it handles the signal), and returns its status.
func interrupt(t *testing.T, out *rqtest.Buffer, status chan int, marker string) int {
	t.Helper()
	rqtest.WaitFor(t, 20*time.Second, "two drawings", func() bool {
		select {
		case s := <-status:
			t.Fatalf("the command ended early with status %d; output: %q", s, out.String())
		default:
		}
		return strings.Count(out.String(), marker) >= 2
	})
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-status:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("the command did not end on Ctrl-C")
	}
	return -1
}

func TestStatsIntervalEndsOnCtrlC(t *testing.T) {
	url := rqtest.URL(t)
	out, errOut, status := runBackground("-u", url, "stats", "--interval", "0.01", "default")
	if s := interrupt(t, out, status, "Press 'Ctrl+c' to quit\n"); s != 0 {
		t.Fatalf("status %d, stderr %q", s, errOut.String())
	}
	got := out.String()
	if strings.Contains(got, "\x1b") {
		t.Errorf("escape codes written to a non-terminal: %q", got)
	}
	frame := "\nRQ CLI Dashboard\n\n" + strings.Repeat("-", 90) + "\n"
	if !strings.HasPrefix(got, frame) || !strings.Contains(got, "\n\nPress 'Ctrl+c' to quit\n"+frame) {
		t.Errorf("unexpected output:\n%s", got)
	}
	if errOut.String() != "" {
		t.Errorf("stderr: %q", errOut.String())
	}
}

func TestInfoIntervalEndsOnCtrlC(t *testing.T) {
	url := rqtest.URL(t)
	out, errOut, status := runBackground("-u", url, "info", "-i", "0.01", "-Q")
	if s := interrupt(t, out, status, "0 queues, 0 jobs total\n"); s != 0 {
		t.Fatalf("status %d, stderr %q", s, errOut.String())
	}
	// Like RQ, it ends the line on Ctrl-C.
	if got := out.String(); !strings.HasSuffix(got, "0 queues, 0 jobs total\n\n") {
		t.Errorf("output does not end with an empty line: %q", got)
	}
}

// TestStatsShowsUsernameNotPassword connects as an ACL user with a password
// and checks that only the username is shown.
func TestStatsShowsUsernameNotPassword(t *testing.T) {
	if rqtest.Kind(t) != rqtest.KindRedisServer {
		t.Skip("needs the redis-server started by rqtest, to add an ACL user to it")
	}
	ctx := context.Background()
	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	admin := redis.NewClient(opts)
	defer admin.Close()
	suffix := make([]byte, 4)
	rand.Read(suffix)
	user := "stats-" + hex.EncodeToString(suffix)
	const password = "s3cr3t-pw"
	if err := admin.Do(ctx, "ACL", "SETUSER", user, "on", ">"+password, "~*", "&*", "+@all").Err(); err != nil {
		t.Skipf("cannot add an ACL user: %v", err)
	}
	defer admin.Do(ctx, "ACL", "DELUSER", user)

	cfg := filepath.Join(t.TempDir(), "queues.yaml")
	data := "default:\n  URL: " + url + "\n  USERNAME: " + user + "\n  PASSWORD: " + password + "\n"
	if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range [][]string{{"--json"}, {"--yaml"}, nil} {
		var out, errOut bytes.Buffer
		args := append([]string{"-c", cfg, "stats"}, format...)
		if s := run(args, &out, &errOut); s != 0 {
			t.Fatalf("%v: status %d, stderr %q", args, s, errOut.String())
		}
		got := out.String()
		if strings.Contains(got, password) || strings.Contains(got, "password") {
			t.Errorf("%v shows the password: %s", args, got)
		}
		switch {
		case format == nil:
			if !strings.Contains(got, "| default        |") {
				t.Errorf("%v: no row for default: %s", args, got)
			}
		case format[0] == "--json":
			if !strings.Contains(got, `, "username": "`+user+`"}`) {
				t.Errorf("%v does not show the username: %s", args, got)
			}
		case format[0] == "--yaml":
			if !strings.Contains(got, "\n    username: "+user+"\n") {
				t.Errorf("%v does not show the username: %s", args, got)
			}
		}
	}
}

func TestIntervalValue(t *testing.T) {
	for _, bad := range []string{"", "abc", "0", "-1", "NaN", "inf", "1e300", "1e-12"} {
		var v intervalValue
		if err := v.Set(bad); err == nil {
			t.Errorf("Set(%q) = nil, want an error", bad)
		}
	}
	var v intervalValue
	if err := v.Set("0.5"); err != nil || v.duration() != 500*time.Millisecond || v.String() != "0.5" {
		t.Errorf("Set(0.5): %v, %v, %q", err, v.duration(), v.String())
	}
}

func TestChartScale(t *testing.T) {
	for _, c := range []struct{ n, scale int64 }{
		{0, 20}, {20, 20}, {21, 50}, {101, 200}, {601, 800}, {1000, 1000}, {1001, 1001}, {5000, 5000},
	} {
		if got := chartScale(c.n); got != c.scale {
			t.Errorf("chartScale(%d) = %d, want %d", c.n, got, c.scale)
		}
	}
}

func TestPythonNow(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.Local)
	if got := pythonNow(at); got != "2026-01-02 03:04:05.000006" {
		t.Errorf("pythonNow = %q", got)
	}
	if got := pythonNow(at.Add(-6000)); got != "2026-01-02 03:04:05" {
		t.Errorf("pythonNow without microseconds = %q", got)
	}
}
