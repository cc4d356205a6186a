package rqlite_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// TestLogIsOneLinePerRecord runs jobs whose description, queue and error
// carry line breaks, terminal escapes, bytes that are not UTF-8 and
// megabytes: none of it forges a record, reaches the terminal as an escape
// or makes a line longer than MaxLogValue and a little.
func TestLogIsOneLinePerRecord(t *testing.T) {
	b, _ := workerSetup(t)
	const forged = "\n11:11:11 default: Job OK (forged)\x1b[2J\xff"
	must(t, b.reg.Register("test.forge", func() error { return errors.New("boom" + forged) }))
	const queue = "q\xff" // a name Python RQ takes, that is not UTF-8
	q := b.queue(queue)
	_, err := q.EnqueueCall(b.ctx, "test.forge", &rqlite.EnqueueOptions{Description: "call" + forged})
	must(t, err)
	_, err = q.EnqueueCall(b.ctx, "test.nothing", &rqlite.EnqueueOptions{Description: strings.Repeat("x", 10<<20)})
	must(t, err)
	w, log := b.worker(t, []string{queue}, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))

	out := log.String()
	const escaped = `\n11:11:11 default: Job OK (forged)\x1b[2J\xff`
	for _, want := range []string{
		"15:09:00 q\\xff: call" + escaped + " (job-1)\n",
		"15:09:00 [Job job-1]: exception raised while executing (test.forge)\ncall" + escaped + " failed:\nError: boom" + escaped + "\n",
		"15:09:00 q\\xff: " + strings.Repeat("x", rqlite.MaxLogValue) + "… (10483712 more bytes) (job-2)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "11:11:11") || len(line) > 2*rqlite.MaxLogValue {
			t.Errorf("forged or overlong line: %.200q", line)
		}
	}
	if bytes.ContainsAny([]byte(out), "\x1b\xff") {
		t.Errorf("an escape sequence or a byte that is not UTF-8 reached the log")
	}
	exc, _ := q.FetchJob(b.ctx, "job-1")
	if s, _ := exc.ExcInfo(b.ctx); s != "call"+forged+" failed:\nError: boom"+forged {
		t.Errorf("exc_info in Redis = %q; want the job's own text, unescaped", s)
	}
}

// TestLoggerEscapesWhatItIsGiven checks the Logger's own methods: a
// library user's strings, errors and byte slices are escaped too, and the
// format is written as given.
func TestLoggerEscapesWhatItIsGiven(t *testing.T) {
	var out bytes.Buffer
	l := &rqlite.Logger{Out: &out, Err: &out, DateFormat: "x"}
	l.Infof("a %s b %v c %s d %d\ttab", "1\n2", errors.New("3\r4"), []byte("5\x006"), 7)
	if got, want := out.String(), "x a 1\\n2 b 3\\r4 c 5\\x006 d 7\ttab\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
