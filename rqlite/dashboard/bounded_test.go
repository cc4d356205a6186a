package dashboard_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
)

// The jobs of these tests are hostile, as the benchmarks of rqlite/cli
// (rss_bench_test.go) write them: each page that shows one must stay small
// and cheap, and say what it cut.

// maxPage is the most bytes a page of one hostile job may have.
const maxPage = 1 << 20

// maxAlloc is the most bytes a request for such a page may allocate.
const maxAlloc = 48 << 20

func zlibOf(t *testing.T, p []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	_, err := w.Write(p)
	must(t, err)
	must(t, w.Close())
	return buf.String()
}

// pickledCall pickles (name, None, [arg], {}), arg pickled already.
func pickledCall(name string, arg []byte) []byte {
	return []byte("\x80\x04(\x8c" + string(rune(len(name))) + name + "N]" + string(arg) + "a}t.")
}

// pickledStr pickles a str of n letters x.
func pickledStr(n int) []byte {
	p := make([]byte, 5, 5+n)
	p[0] = 'X'
	binary.LittleEndian.PutUint32(p[1:], uint32(n))
	return append(p, bytes.Repeat([]byte("x"), n)...)
}

// pickledShared is b = [] then n times b = (b, b): 2**(n+1)-1 values.
func pickledShared(n int) []byte {
	return []byte("]" + strings.Repeat("2\x86", n))
}

// pickledDeep is lists nested n deep.
func pickledDeep(n int) []byte {
	return []byte(strings.Repeat("]", n) + strings.Repeat("a", n-1))
}

// manyFields are n fields f0, f1... with short values, and the call.
func manyFields(n int) []any {
	fields := []any{"data", "x"}
	for i := range n {
		fields = append(fields, fmt.Sprint("f", i), "v")
	}
	return fields
}

type hostileJob struct {
	name   string
	fields []any
	result []any
	wants  []string // what the job's page says
}

func hostileJobs(t *testing.T) []hostileJob {
	t.Helper()
	small := zlibOf(t, pickledCall("t.nothing", []byte("K\x01")))
	zeros := zlibOf(t, make([]byte, 4<<20)) // within MaxDecompressed
	b64 := base64.StdEncoding.EncodeToString
	return []hostileJob{
		{name: "str-arg", fields: []any{"data", zlibOf(t, pickledCall("t.big", pickledStr(3<<20)))},
			wants: []string{"t.big", "xxxx", "… (cut: longer than 65536 bytes)"}},
		{name: "big-call", fields: []any{"data", zlibOf(t, pickledCall("t.big", pickledStr(16<<20)))},
			wants: []string{"cannot be shown: the call inflates to more than 4194304 bytes, too large to show here"}},
		{name: "shared", fields: []any{"data", zlibOf(t, pickledCall("t.shared", pickledShared(15)))},
			wants: []string{"t.shared", "… (cut: longer than 65536 bytes)"}},
		{name: "shared-many", fields: []any{"data", zlibOf(t, pickledCall("t.shared", pickledShared(22)))},
			// Beyond the MaxItems decode limit (100,000 by default, the view's
			// own bound too), the job cannot be read at all.
			wants: []string{"more than 100000 values, the MaxItems limit"}},
		{name: "deep", fields: []any{"data", zlibOf(t, pickledCall("t.deep", pickledDeep(9990)))},
			wants: []string{"t.deep", "… (cut: longer than 65536 bytes)"}},
		{name: "exc_info", fields: []any{"data", small, "status", "failed", "exc_info", zeros},
			wants: []string{"<h2>Exception</h2>", fmt.Sprintf("… (%d more bytes)", 4<<20-65536)}},
		{name: "exc_info-bomb", fields: []any{"data", small, "status", "failed", "exc_info", zlibOf(t, make([]byte, 100<<20))},
			wants: []string{"<h2>Exception</h2>", "cannot be read: zlib data inflates to more than"}},
		{name: "description", fields: []any{"data", small, "description", strings.Repeat("d", 16<<20)},
			wants: []string{"Not read", "description (16777216 bytes, too long to read here)"}},
		{name: "description-long", fields: []any{"data", small, "description", strings.Repeat("d", 1<<20)},
			wants: []string{fmt.Sprintf("… (%d more bytes)", 1<<20-65536)}},
		// Values beyond what a page reads stay in Redis (ViewLimits.MaxField).
		{name: "data-huge", fields: []any{"data", strings.Repeat("x", 8<<20)},
			wants: []string{"cannot be shown: field data: 8388608 bytes in Redis, too long to read here"}},
		{name: "meta-huge", fields: []any{"data", small, "meta", strings.Repeat("m", 8<<20)},
			wants: []string{"cannot be read: field meta: 8388608 bytes in Redis, too long to read here"}},
		{name: "exc_info-huge", fields: []any{"data", small, "status", "failed", "exc_info", strings.Repeat("e", 8<<20)},
			wants: []string{"cannot be read: field exc_info: 8388608 bytes in Redis, too long to read here"}},
		{name: "many-fields", fields: manyFields(2000),
			wants: []string{"its hash has 2006 fields, more than the 1000 shown"}},
		{name: "result-exc", fields: []any{"data", small, "status", "failed"},
			result: []any{"type", "2", "exc_string", b64([]byte(zeros))},
			wants:  []string{fmt.Sprintf("… (%d more bytes)", 4<<20-65536)}},
		{name: "result-value", fields: []any{"data", small, "status", "finished"},
			result: []any{"type", "1", "return_value", b64([]byte(string(pickledShared(15)) + "."))},
			wants:  []string{"… (cut: longer than 65536 bytes)"}},
	}
}

// TestHostileJobsBounded: the page of each hostile job, and of its queue,
// is under maxPage bytes and allocates less than maxAlloc, and the job's
// page says what it cut or left out.
func TestHostileJobsBounded(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Serializer: rqlite.Pickle})
	for _, c := range hostileJobs(t) {
		t.Run(c.name, func(t *testing.T) {
			q, id := "hostile-"+c.name, "hostile-"+c.name
			e.pushRaw(t, q, id, c.fields, c.result)
			body := e.boundedGet(t, "/rq/jobs/"+id)
			contains(t, "the job's page", body, c.wants...)
			body = e.boundedGet(t, "/rq/queues/"+q)
			contains(t, "the queue's page", body, id)
		})
	}
}

// pushRaw writes a job hash as another program could, and queues it.
func (e *env) pushRaw(t *testing.T, q, id string, fields, result []any) {
	t.Helper()
	const ts = "2026-11-27T09:33:38.094805Z"
	fields = append([]any{"origin", q, "status", "queued", "created_at", ts, "enqueued_at", ts,
		"description", "t.call()"}, fields...)
	must(t, e.rdb.HSet(e.ctx, "rq:job:"+id, fields...).Err())
	if result != nil {
		must(t, e.rdb.XAdd(e.ctx, &redis.XAddArgs{Stream: "rq:results:" + id, Values: result}).Err())
	}
	must(t, e.rdb.RPush(e.ctx, "rq:queue:"+q, id).Err())
	must(t, e.rdb.SAdd(e.ctx, "rq:queues", "rq:queue:"+q).Err())
}

// boundedGet gets a page, which must be 200, under maxPage bytes, and cost
// less than maxAlloc bytes allocated in the process (the test's client
// and server both).
func (e *env) boundedGet(t *testing.T, path string) string {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, body := e.get(path)
	runtime.ReadMemStats(&after)
	if status != 200 {
		t.Fatalf("GET %s: %d\n%.2000s", path, status, body)
	}
	if len(body) > maxPage {
		t.Errorf("GET %s: %d bytes, want under %d", path, len(body), maxPage)
	}
	t.Logf("GET %s: %d bytes, %d allocated", path, len(body), after.TotalAlloc-before.TotalAlloc)
	if n := after.TotalAlloc - before.TotalAlloc; n > maxAlloc {
		t.Errorf("GET %s: allocated %d bytes, want under %d", path, n, maxAlloc)
	}
	return body
}

// TestManyResultsBounded: a job with many results shows the newest only,
// and says how many more it has.
func TestManyResultsBounded(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Serializer: rqlite.Pickle})
	small := zlibOf(t, pickledCall("t.nothing", []byte("K\x01")))
	var results []any
	e.pushRaw(t, "many", "many", []any{"data", small, "status", "finished"}, nil)
	for i := range 50 {
		results = []any{"type", "1", "return_value", base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("K%c.", i)))}
		must(t, e.rdb.XAdd(e.ctx, &redis.XAddArgs{Stream: "rq:results:many", Values: results}).Err())
	}
	body := e.boundedGet(t, "/rq/jobs/many")
	contains(t, "the job's page", body, "30 older runs not shown.")
}

// TestManyDependentsBounded: a job with thousands of dependents shows a
// hundred of them, sorted, and says how many more it has.
func TestManyDependentsBounded(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Serializer: rqlite.Pickle})
	small := zlibOf(t, pickledCall("t.nothing", []byte("K\x01")))
	e.pushRaw(t, "parents", "parent", []any{"data", small}, nil)
	deps := make([]any, 5000)
	for i := range deps {
		deps[i] = fmt.Sprintf("dep-%04d", i)
	}
	must(t, e.rdb.SAdd(e.ctx, "rq:job:parent:dependents", deps...).Err())
	body := e.boundedGet(t, "/rq/jobs/parent")
	if n := strings.Count(body, `href="/rq/jobs/dep-`); n != 100 {
		t.Errorf("the page links %d dependents, want 100", n)
	}
	contains(t, "the job's page", body, "and 4900 more")
}

// TestHugeWorkerFieldBounded: a worker hash with a 9 MiB field, written by
// another program, is listed on the workers page with that field's length,
// unread.
func TestHugeWorkerFieldBounded(t *testing.T) {
	e := newEnv(t, nil)
	must(t, e.rdb.HSet(e.ctx, "rq:worker:big", "queues", strings.Repeat("q,", 9<<19), "state", "idle").Err())
	must(t, e.rdb.SAdd(e.ctx, "rq:workers", "rq:worker:big").Err())
	body := e.boundedGet(t, "/rq/workers")
	contains(t, "the workers page", body, "big", "queues: 9437184 bytes, too long to read here")
}
