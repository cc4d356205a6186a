package scripts

import (
	"context"
	"errors"
	"maps"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// packItems packs items as take.lua's pack does.
func packItems(items ...string) any {
	lengths := make([]any, len(items))
	for i, s := range items {
		lengths[i] = int64(len(s))
	}
	return []any{strings.Join(items, ""), lengths}
}

// packed is a reply of data and lengths.
func packed(data string, lengths ...any) any { return []any{data, lengths} }

func TestUnpackJob(t *testing.T) {
	res := packItems("q:1", "id", "data", "\x00\xff:12:", "", "", "meta", "3:abc")
	job, ok := unpackJob(res)
	want := map[string]string{"data": "\x00\xff:12:", "": "", "meta": "3:abc"}
	if !ok || job.Queue != "q:1" || job.ID != "id" || !maps.Equal(job.Hash, want) {
		t.Fatalf("unpackJob(%#v) = %+v, %v", res, job, ok)
	}
	if job, ok := unpackJob(packItems("q", "id")); !ok || len(job.Hash) != 0 {
		t.Errorf("a job without fields: %+v, %v", job, ok)
	}
}

// TestUnpackJobRejects feeds unpackJob hostile replies: each is refused.
func TestUnpackJobRejects(t *testing.T) {
	bad := []any{
		nil, "", int64(1), []any{}, []any{"q", "id"},
		packItems(),               // no items
		packItems("q"),            // one item
		packItems("q", "id", "f"), // a field without its value
		packed("qidfx", int64(1), int64(2), int64(1), int64(0)),   // lengths short of the data
		packed("qid", int64(1), int64(5)),                         // past the end
		packed("qid", int64(-1), int64(4)),                        // negative
		packed("qid", int64(1), int64(math.MaxInt64)),             // huge
		packed("qid", int64(math.MaxInt64), int64(math.MaxInt64)), // huge, and overflowing
		packed("qid", "1", "2"),                                   // not integers
		packed("qid", int64(1), int64(2), []any{}),                // odd, and not an integer
		[]any{[]byte("qid"), []any{int64(1), int64(2)}},           // data not a string
		[]any{"qid", []any{int64(1), int64(2)}, "extra"},          // three items
		[]any{"qid", "12"},                                        // lengths not a list
	}
	for _, res := range bad {
		if job, ok := unpackJob(res); ok {
			t.Errorf("unpackJob(%#v) = %+v, want refused", res, job)
		}
		if _, ok := readTake(res); ok {
			t.Errorf("readTake(%#v) accepted it", res)
		}
	}
	if r, ok := readTake("suspended"); !ok || !r.Suspended {
		t.Errorf("readTake(suspended) = %+v, %v", r, ok)
	}
	if r, ok := readTake("other"); ok || r.Suspended {
		t.Errorf("readTake(other) = %+v, %v; want refused", r, ok)
	}
}

// FuzzUnpackJob checks that no data and lengths make unpackJob panic, and
// that what it accepts covers the data exactly.
func FuzzUnpackJob(f *testing.F) {
	f.Add("qidfv", []byte{1, 2, 1, 1})
	f.Add("qid", []byte{1, 200})
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, data string, raw []byte) {
		lengths := make([]any, len(raw))
		for i, b := range raw {
			// Small lengths, and now and then a negative or huge one.
			switch n := int64(b); {
			case b == 255:
				lengths[i] = int64(math.MaxInt64)
			case b >= 200:
				lengths[i] = 200 - n
			default:
				lengths[i] = n
			}
		}
		job, ok := unpackJob(packed(data, lengths...))
		if !ok {
			return
		}
		if !strings.HasPrefix(data, job.Queue+job.ID) || len(job.Hash) > len(lengths)/2-1 {
			t.Fatalf("%q %v: took %+v", data, raw, job)
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
