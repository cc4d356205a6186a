package scripts

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// packItems packs items as take.lua's pack does.
func packItems(items ...string) string {
	var b strings.Builder
	for _, s := range items {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

func TestUnpackJob(t *testing.T) {
	s := packItems("q:1", "id", "data", "\x00\xff:12:", "", "", "meta", "3:abc")
	job, ok := unpackJob(s)
	want := map[string]string{"data": "\x00\xff:12:", "": "", "meta": "3:abc"}
	if !ok || job.Queue != "q:1" || job.ID != "id" || !maps.Equal(job.Hash, want) {
		t.Fatalf("unpackJob(%q) = %+v, %v", s, job, ok)
	}
	if job, ok := unpackJob(packItems("q", "id")); !ok || len(job.Hash) != 0 {
		t.Errorf("a job without fields: %+v, %v", job, ok)
	}
}

// TestUnpackJobRejects feeds unpackJob hostile replies: each is refused.
func TestUnpackJobRejects(t *testing.T) {
	bad := []string{
		"",                              // no items
		"1:q",                           // one item
		packItems("q", "id", "f"),       // a field without its value
		"1:q2:id1:f",                    // the value's length cut off
		"1:q2:id1:f5:abc",               // a length past the end
		"1:q2:id1:f1",                   // a length without ':'
		"1:q2:id1:f:",                   // no length
		"1:q2:id-1:a1:b",                // a sign
		"1:q2:id 1:a1:b",                // a space
		"1:q2:idx:a1:b",                 // not a digit
		"1:q2:id99999999999999999999:a", // a huge length
		"9999999999:x",                  // ten digits
		"1:q2:id1:a1:b:",                // a stray byte at the end
		"suspended",
	}
	for _, s := range bad {
		if job, ok := unpackJob(s); ok {
			t.Errorf("unpackJob(%q) = %+v, want refused", s, job)
		}
		if _, ok := readTake(s); ok && s != "suspended" {
			t.Errorf("readTake(%q) accepted it", s)
		}
	}
	for _, res := range []any{int64(1), []any{"q", "id"}, nil} {
		if _, ok := readTake(res); ok {
			t.Errorf("readTake(%#v) accepted it", res)
		}
	}
}

// TestReplyErrorIsOneShortLine: the error for a reply that cannot be read
// shows it on one line, cut short.
func TestReplyErrorIsOneShortLine(t *testing.T) {
	hostile := "1:q2:id4:data" + strings.Repeat("\n\x00é", 10000)
	err := dequeueScript.replyError(hostile)
	if !errors.Is(err, ErrReply) || strings.ContainsAny(err.Error(), "\n\x00") || len(err.Error()) > maxReplyShown+100 {
		t.Errorf("reply error of %d bytes: %q", len(err.Error()), err)
	}
	if !utf8.ValidString(err.Error()) {
		t.Errorf("reply error is not UTF-8: %q", err)
	}
}

// FuzzUnpackJob checks that no input makes unpackJob panic, and that what
// it accepts packs back to the same string.
func FuzzUnpackJob(f *testing.F) {
	f.Add(packItems("q", "id", "f", "v"))
	f.Add("1:q2:id1:f5:abc")
	f.Add("999999999:")
	f.Fuzz(func(t *testing.T, s string) {
		job, ok := unpackJob(s)
		if !ok {
			return
		}
		n, _ := countPacked(s)
		if len(job.Hash) > n/2-1 {
			t.Fatalf("%q: %d fields from %d items", s, len(job.Hash), n)
		}
		if !strings.HasPrefix(s, packItems(job.Queue, job.ID)) {
			t.Fatalf("%q: queue %q and ID %q do not begin it", s, job.Queue, job.ID)
		}
	})
}

// TestTakePacksAnyBytes takes a job whose hash holds bytes that a naive
// packing would confuse (':', digits, NULs, newlines, empty values), and
// reads it back whole, through dequeue.lua and through finish.lua.
func TestTakePacksAnyBytes(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	odd := map[string]string{"meta": "12:3:\x00\n\xff", "9:": "", "data": strings.Repeat("7:", 5000)}
	for _, id := range []string{"j1", "j2"} {
		putJob(t, rdb, id, "q:1", "meta", odd["meta"], "9:", "", "data", odd["data"])
		rdb.RPush(ctx, keys.Queue("q:1"), id)
	}
	reply, err := RunDequeue(ctx, rdb, dequeueArgs("w1", "q:1"))
	if err != nil || reply.Job == nil || reply.Job.ID != "j1" || reply.Job.Queue != "q:1" {
		t.Fatalf("dequeue: %+v, %v; want j1 of q:1", reply, err)
	}
	for f, v := range odd {
		if got := reply.Job.Hash[f]; got != v {
			t.Errorf("dequeued job's %q is %q, want %q", f, got, v)
		}
	}
	a := finishArgs("w1", "q:1", "j1")
	a.TakeNext, a.Suspended, a.Queues = true, keys.Suspended, []string{keys.Queue("q:1")}
	fin, err := RunFinish(ctx, rdb, a)
	if err != nil || fin.Next.Job == nil || fin.Next.Job.ID != "j2" {
		t.Fatalf("finish: %+v, %v; want j2 next", fin, err)
	}
	for f, v := range odd {
		if got := fin.Next.Job.Hash[f]; got != v {
			t.Errorf("next job's %q is %q, want %q", f, got, v)
		}
	}
}
