package dashboard_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
)

// The table of docs/garantias.md, section "Datos que no se entienden",
// says what happens to each kind of bad input a worker or the dashboard
// reads from Redis, and which text explains it. TestGuaranteesTable goes
// through every row, in the table's order, against a real worker and a
// real dashboard: the docs cannot drift from the code.

const guaranteesDoc = "../../docs/garantias.md"

// A tableRow is a row of the table: its first cell, the key of its case,
// and its last cell without backticks, "" for "—" (nothing said).
type tableRow struct {
	key, want string
}

// A rowCase proves one row: it writes the bad input into a fresh Redis as
// a foreign producer would, runs what reads it, and checks what the row
// says happens and that want ("" for nothing) appears where it belongs.
type rowCase func(t *testing.T, want string)

// guaranteeCases are the cases of the rows, keyed by their first cell.
var guaranteeCases = map[string]rowCase{
	"`data` que no es zlib":                        failing(rqlite.JSON, text("x\x9c\x01\x02\x03garbage")),
	"`data` que no es del serializador de la cola": failing(rqlite.JSON, zlibbed(pickleSumar("]K\x01aK\x02a"))),
	"Una función que el worker no tiene":           failing(rqlite.JSON, zlibbed(`["nadie.sabe", null, [], {}]`)),
	"Argumentos que no encajan con la función":     failing(rqlite.JSON, jsonSumar("1, 2, 3")),
	"Un campo ilegible (`timeout` = `3m`)":         failing(rqlite.JSON, jsonSumar("1, 2"), "timeout", "3m"),
	"Un objeto de Python en un pickle":             failing(rqlite.Pickle, zlibbed(pickleSumar(pickledDecimalArg))),
	"Un pickle que se contiene a sí mismo":         failing(rqlite.Pickle, zlibbed(pickledSelfDict())),
	"Listas anidadas más hondo que `--max-depth` (10 000)": failing(rqlite.Pickle, func() string {
		return zlibText(pickleSumar(pickledDeepArg(rqlite.DecodeLimits().MaxDepth + 1)))
	}),
	"Un valor con más de `--max-items` listas, diccionarios y elementos (100 000), o un pickle que repite una lista más veces": failing(rqlite.Pickle,
		zlibbed(pickleSumar("]]"+strings.Repeat("2\x86", 40)+"a"))), // 2**41 lists in 90 bytes
	"Un entero de más de `--max-int-digits` cifras (4300)": failing(rqlite.JSON, func() string {
		return jsonSumar(strings.Repeat("9", rqlite.DecodeLimits().MaxIntDigits+1) + ", 2")()
	}),
	"Una bomba zlib: un campo que se infla más allá de `--max-decompressed` (8 MiB)": failing(rqlite.JSON, func() string {
		return zlibZeros(rqlite.DecodeLimits().MaxDecompressed + 1<<20)
	}),
	"Un `meta` ilegible":    unreadableMetaRow,
	"Un resultado ilegible": unreadableResultRow,
	"Un campo del trabajo de más de 4 MiB (su `meta`, su descripción, su `data`)":     hugeFieldRow,
	"Un identificador en la cola sin trabajo":                                         ghostIDRow,
	"Una clave del trabajo que no es un hash":                                         notAHashRow,
	"Una descripción con saltos de línea, escapes de terminal o 10 MB":                descriptionRow,
	"Un error con saltos de línea":                                                    multilineErrorRow,
	"Un nombre de cola que no es UTF-8":                                               notUTF8QueueRow,
	"`result_ttl` menor que -1":                                                       resultTTLRow,
	"Un `Host` que no es el del panel (*DNS rebinding*)":                              hostRow,
	"Un formulario enviado desde otro sitio":                                          crossSiteFormRow,
	"El nombre de un worker muerto (`kill -9`)":                                       deadWorkerNameRow,
	"Un `rq:queues` o un `rq:workers` con miles de nombres, o con un nombre de megas": hugeSetsRow,
}

func TestGuaranteesTable(t *testing.T) {
	rows := guaranteeRows(t)
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.key] {
			t.Errorf("the row %q is twice in the table of %s", r.key, guaranteesDoc)
		}
		seen[r.key] = true
		if guaranteeCases[r.key] == nil {
			t.Errorf("the row %q of %s has no case in this test", r.key, guaranteesDoc)
		}
	}
	for key := range guaranteeCases {
		if !seen[key] {
			t.Errorf("the case %q has no row in the table of %s", key, guaranteesDoc)
		}
	}
	for _, r := range rows {
		if c := guaranteeCases[r.key]; c != nil {
			t.Run(r.key, func(t *testing.T) { c(t, r.want) })
		}
	}
}

// guaranteeRows reads the rows of the table of bad input.
func guaranteeRows(t *testing.T) []tableRow {
	t.Helper()
	b, err := os.ReadFile(guaranteesDoc)
	must(t, err)
	_, section, ok := strings.Cut(string(b), "\n## Datos que no se entienden\n")
	if !ok {
		t.Fatalf("%s has no section \"Datos que no se entienden\"", guaranteesDoc)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []tableRow
	header := false
	for _, line := range strings.Split(section, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "| Entrada mala |"):
			header = true
		case !header || strings.HasPrefix(line, "|---"):
		case strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			if len(cells) != 3 {
				t.Fatalf("a row of the table has %d cells, want 3: %s", len(cells), line)
			}
			want := strings.ReplaceAll(strings.TrimSpace(cells[2]), "`", "")
			if want == "—" {
				want = ""
			}
			rows = append(rows, tableRow{key: strings.TrimSpace(cells[0]), want: want})
		case len(rows) > 0:
			return rows
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no table of bad input", guaranteesDoc)
	}
	return rows
}

// rqTime is a timestamp in RQ's format.
const rqTime = "2026-11-27T09:33:38.094805Z"

func zlibText(s string) string {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write([]byte(s))
	w.Close()
	return buf.String()
}

// zlibZeros is n zero bytes, compressed.
func zlibZeros(n int64) string {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(make([]byte, n))
	w.Close()
	return buf.String()
}

// text and zlibbed make a job's data when its case runs.
func text(s string) func() string    { return func() string { return s } }
func zlibbed(s string) func() string { return func() string { return zlibText(s) } }

// jsonSumar makes the JSON data of a call of tareas.sumar with args,
// zlibbed.
func jsonSumar(args string) func() string {
	return zlibbed(`["tareas.sumar", null, [` + args + `], {}]`)
}

// pickleSumar is the pickle (protocol 4) of ("tareas.sumar", None, args,
// {}), args being the opcodes that push the arguments' list.
func pickleSumar(args string) string {
	return "\x80\x04(\x8c\x0ctareas.sumarN" + args + "}t."
}

// pickledDecimalArg pushes [decimal.Decimal("3.14")], a Python object.
const pickledDecimalArg = "]cdecimal\nDecimal\nX\x04\x00\x00\x003.14\x85Ra"

// pickledDeepArg pushes [[[...]]], lists nested n deep in the arguments' list.
func pickledDeepArg(n int) string {
	return strings.Repeat("]", n+1) + strings.Repeat("a", n)
}

// pickledSelfDict is ("test.sum", None, [d], {}) with d = {}; d["self"] =
// d, as Python's pickle.dumps writes it.
func pickledSelfDict() string {
	b, _ := base64.StdEncoding.DecodeString("gASVIQAAAAAAAAAojAh0ZXN0LnN1bZROXZR9lIwEc2VsZpRoAnNhfZR0lC4=")
	return string(b)
}

// tableEnv is a fresh env whose dashboard and queues use serializer s, with
// the course's task tareas.sumar.
func tableEnv(t *testing.T, s rqlite.Serializer) *env {
	t.Helper()
	e := newEnv(t, &dashboard.Options{Serializer: s})
	must(t, e.tasks.Register("tareas.sumar", func(a, b int) int { return a + b }, "a", "b"))
	return e
}

// rawPush writes job id's hash in RQ's layout, with data and the extra
// fields, and queues it, as a producer in another language would.
func (e *env) rawPush(queue, id, data string, extra ...any) {
	e.t.Helper()
	fields := []any{"origin", queue, "status", "queued", "created_at", rqTime, "enqueued_at", rqTime,
		"description", "tareas.sumar(...)", "data", data}
	must(e.t, e.rdb.HSet(e.ctx, "rq:job:"+id, append(fields, extra...)...).Err())
	e.rawPushID(queue, id)
}

// rawPushID queues the ID id, with or without a job.
func (e *env) rawPushID(queue, id string) {
	e.t.Helper()
	must(e.t, e.rdb.SAdd(e.ctx, "rq:queues", "rq:queue:"+queue).Err())
	must(e.t, e.rdb.RPush(e.ctx, "rq:queue:"+queue, id).Err())
}

// burstBeforeGood queues a good job after what the queue holds, runs a burst
// worker with serializer s over the queue, checks that it ended well and
// ran the good job, and returns its log.
func (e *env) burstBeforeGood(queue string, s rqlite.Serializer) string {
	e.t.Helper()
	q := rqlite.NewQueue(queue, e.rdb, &rqlite.QueueOptions{Tasks: e.tasks, Serializer: s})
	good, err := q.Enqueue(e.ctx, "tareas.sumar", 1, 2)
	must(e.t, err)
	var log bytes.Buffer
	w, err := rqlite.NewWorker(e.rdb, []string{queue}, &rqlite.WorkerOptions{Burst: true, Tasks: e.tasks,
		Serializer: s, Logger: &rqlite.Logger{Out: &log, Err: &log}})
	must(e.t, err)
	if err := w.Work(e.ctx); err != nil {
		e.t.Fatalf("the worker exited with %v; log:\n%s", err, log.String())
	}
	if st, _ := good.GetStatus(e.ctx); st != rqlite.StatusFinished {
		e.t.Errorf("the good job queued after the bad input is %q, want finished; log:\n%s", st, log.String())
	}
	return log.String()
}

// status is job id's status, as its hash holds it.
func (e *env) hashStatus(id string) string {
	return e.rdb.HGet(e.ctx, "rq:job:"+id, "status").Val()
}

// latestExcRaw is the exc_string of job id's latest result, "" if none:
// read raw, since a job whose data is bad cannot be fetched as a Job.
func (e *env) latestExcRaw(id string) string {
	e.t.Helper()
	entries, err := e.rdb.XRevRangeN(e.ctx, "rq:results:"+id, "+", "-", 1).Result()
	must(e.t, err)
	if len(entries) == 0 {
		return ""
	}
	s, _ := entries[0].Values["exc_string"].(string)
	b, err := base64.StdEncoding.DecodeString(s)
	must(e.t, err)
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return ""
	}
	b, err = io.ReadAll(r)
	must(e.t, err)
	return string(b)
}

// failedAlone checks that job id of queue failed, is in the failed
// registry, and that its exc_info and its page show want.
func (e *env) failedAlone(queue, id, want, log string) {
	e.t.Helper()
	exc := e.latestExcRaw(id)
	if st := e.hashStatus(id); st != "failed" || !strings.Contains(exc, want) {
		e.t.Errorf("job %s is %q with exc_info %q; want failed with %q; log:\n%s", id, st, exc, want, log)
	}
	if e.rdb.ZScore(e.ctx, "rq:failed:"+queue, id).Err() != nil {
		e.t.Errorf("job %s is not in the failed registry of %s", id, queue)
	}
	e.pagesShowJob(queue, id, "failed", want)
}

// pagesShowJob requests job id's page and the queue's list page, which must
// answer without a server error or a Go stack, the job page showing want
// (unless "").
func (e *env) pagesShowJob(queue, id, list, want string) {
	e.t.Helper()
	var jobPage string
	for i, path := range []string{"/rq/jobs/" + url.PathEscape(id), "/rq/queues/" + url.PathEscape(queue) + "/" + list} {
		status, body := e.get(path)
		if status >= 500 || strings.Contains(body, "goroutine ") {
			e.t.Errorf("GET %s: %d, with a Go stack %v", path, status, strings.Contains(body, "goroutine "))
		}
		if i == 0 {
			jobPage = html.UnescapeString(body)
		}
	}
	if want != "" && !strings.Contains(jobPage, want) {
		e.t.Errorf("the page of job %s does not show %q", id, want)
	}
}

// failing is the case of a row of a job that fails alone: its hash holds
// the data made by data and the extra fields, and a worker with
// serializer s reads it.
func failing(s rqlite.Serializer, data func() string, extra ...any) rowCase {
	return func(t *testing.T, want string) {
		e := tableEnv(t, s)
		e.rawPush("bad", "bad-input", data(), extra...)
		log := e.burstBeforeGood("bad", s)
		e.failedAlone("bad", "bad-input", want, log)
	}
}

// unreadableMetaRow: the job runs and finishes, its meta is kept as it
// was, and its page says why the meta cannot be read.
func unreadableMetaRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	const meta = `{"progress": `
	e.rawPush("meta", "bad-meta", jsonSumar("1, 2")(), "meta", meta)
	log := e.burstBeforeGood("meta", rqlite.JSON)
	if st := e.hashStatus("bad-meta"); st != "finished" {
		t.Errorf("the job is %q, want finished; log:\n%s", st, log)
	}
	if got := e.rdb.HGet(e.ctx, "rq:job:bad-meta", "meta").Val(); got != meta {
		t.Errorf("the meta is %q after the run, want %q as it was", got, meta)
	}
	j, err := rqlite.FetchJob(e.ctx, e.rdb, "bad-meta", nil)
	must(t, err)
	if j.MetaErr == nil || !strings.Contains(j.MetaErr.Error(), want) {
		t.Errorf("MetaErr = %v, want %q", j.MetaErr, want)
	}
	e.pagesShowJob("meta", "bad-meta", "finished", want)
}

// hugeFieldRow: a job whose meta is 5 MiB runs and finishes; its page
// leaves the meta in Redis and says how long it is.
func hugeFieldRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	meta := `{"x": "` + strings.Repeat("m", 5<<20) + `"}`
	e.rawPush("huge", "huge-meta", jsonSumar("1, 2")(), "meta", meta)
	log := e.burstBeforeGood("huge", rqlite.JSON)
	if st := e.hashStatus("huge-meta"); st != "finished" {
		t.Errorf("the job is %q, want finished; log:\n%s", st, log)
	}
	e.pagesShowJob("huge", "huge-meta", "finished", fmt.Sprintf("field meta: %d %s", len(meta), want))
}

// unreadableResultRow: a finished job gets a result whose return value
// cannot be read (another program wrote it); the job stays finished and
// its page says why the value cannot be read.
func unreadableResultRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	j := e.enqueue("results", "tareas.sumar", 1, 2)
	e.burstBeforeGood("results", rqlite.JSON)
	must(t, e.rdb.XAdd(e.ctx, &redis.XAddArgs{Stream: "rq:results:" + j.ID, Values: []any{
		"type", "1", "created_at", rqTime, "return_value", base64.StdEncoding.EncodeToString([]byte("{")),
		"worker_name", "another"}}).Err())
	if st := e.hashStatus(j.ID); st != "finished" {
		t.Errorf("the job is %q, want finished", st)
	}
	if _, err := j.ReturnValue(e.ctx); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ReturnValue: %v, want an error with %q", err, want)
	}
	e.pagesShowJob("results", j.ID, "finished", want)
}

// droppedID checks that the ID id left the queue without a failure, and
// leaves the key of its job as it was (of type keyType, "none" if none).
func (e *env) droppedID(queue, id, keyType string) {
	e.t.Helper()
	if n := e.llen("rq:queue:" + queue); n != 0 {
		e.t.Errorf("the queue holds %d IDs, want none", n)
	}
	for _, reg := range []string{"failed", "finished", "wip"} {
		if e.rdb.ZScore(e.ctx, "rq:"+reg+":"+queue, id).Err() == nil {
			e.t.Errorf("%s is in the %s registry", id, reg)
		}
	}
	if got := e.rdb.Type(e.ctx, "rq:job:"+id).Val(); got != keyType {
		e.t.Errorf("the key of job %s is of type %q, want %q", id, got, keyType)
	}
	e.pagesShowJob(queue, id, "failed", "")
}

func ghostIDRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	e.rawPushID("ghosts", "ghost")
	e.burstBeforeGood("ghosts", rqlite.JSON)
	e.droppedID("ghosts", "ghost", "none")
	saysNothing(t, want)
}

func notAHashRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	must(t, e.rdb.Set(e.ctx, "rq:job:a-string", "not a hash", 0).Err())
	e.rawPushID("strings", "a-string")
	e.burstBeforeGood("strings", rqlite.JSON)
	e.droppedID("strings", "a-string", "string")
	saysNothing(t, want)
}

// saysNothing fails the test if a row whose case checks no text has one.
func saysNothing(t *testing.T, want string) {
	t.Helper()
	if want != "" {
		t.Errorf("the row says %q, but nothing says anything for this input: its cell should be —", want)
	}
}

// logRecordRE is the start of each record of a worker's log.
var logRecordRE = regexp.MustCompile(`^\d\d:\d\d:\d\d `)

// descriptionRow: jobs whose descriptions hold a line break, a terminal
// escape or 10 MB run; each description is one escaped line of the log,
// cut after 2048 bytes.
func descriptionRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	descs := map[string]string{"newline": "uno\nforged record", "escape": "\x1b[2Jrojo", "huge": strings.Repeat("x", 10<<20)}
	for id, d := range descs {
		e.rawPush("descs", id, jsonSumar("1, 2")(), "description", d)
	}
	log := e.burstBeforeGood("descs", rqlite.JSON)
	contains(t, "the log", log, `uno\nforged record`, `\x1b[2Jrojo`, strings.Repeat("x", rqlite.MaxLogValue)+want)
	if strings.Contains(log, "\x1b") {
		t.Error("the log holds a terminal escape")
	}
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if !logRecordRE.MatchString(line) || len(line) > 2*rqlite.MaxLogValue {
			t.Errorf("the log has a line that is not one record of at most %d bytes: %.100q", 2*rqlite.MaxLogValue, line)
		}
	}
	for id := range descs {
		if st := e.hashStatus(id); st != "finished" {
			t.Errorf("job %s is %q, want finished", id, st)
		}
		e.pagesShowJob("descs", id, "finished", "")
	}
}

// multilineErrorRow: a task's error has a line break; exc_info keeps it,
// the log escapes it.
func multilineErrorRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	must(t, e.tasks.Register("tareas.falla", func() error { return errors.New("uno\ndos") }))
	j := e.enqueue("errors", "tareas.falla")
	log := e.burstBeforeGood("errors", rqlite.JSON)
	exc, err := j.ExcInfo(e.ctx)
	must(t, err)
	if st := e.hashStatus(j.ID); st != "failed" || !strings.Contains(exc, "Error: uno\ndos") {
		t.Errorf("the job is %q with exc_info %q, want failed with the error as it is", st, exc)
	}
	contains(t, "the log", log, want)
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if line == "dos" {
			t.Errorf("the error's second line is a line of the log:\n%s", log)
		}
	}
	e.pagesShowJob("errors", j.ID, "failed", "Error: uno\ndos")
}

// notUTF8QueueRow: a job of a queue whose name is not UTF-8 runs, and
// /metrics names the queue with its bad byte escaped.
func notUTF8QueueRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	j := e.enqueue("q\xff", "tareas.sumar", 1, 2)
	e.burstBeforeGood("q\xff", rqlite.JSON)
	if st := e.hashStatus(j.ID); st != "finished" {
		t.Errorf("the job is %q, want finished", st)
	}
	status, body := e.get("/rq/metrics")
	if status != http.StatusOK {
		t.Errorf("GET /rq/metrics: %d", status)
	}
	contains(t, "/metrics", body, want)
	e.pagesShowJob("q\xff", j.ID, "finished", "")
}

// resultTTLRow: a result_ttl below -1 keeps the job and its result
// without expiry, as RQ does.
func resultTTLRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	e.rawPush("ttl", "forever", jsonSumar("1, 2")(), "result_ttl", "-5")
	e.burstBeforeGood("ttl", rqlite.JSON)
	if st := e.hashStatus("forever"); st != "finished" {
		t.Errorf("the job is %q, want finished", st)
	}
	for _, key := range []string{"rq:job:forever", "rq:results:forever"} {
		if ttl, err := e.rdb.Do(e.ctx, "TTL", key).Int(); err != nil || ttl != -1 {
			t.Errorf("TTL %s = %d, %v; want -1 (kept, without expiry)", key, ttl, err)
		}
	}
	e.pagesShowJob("ttl", "forever", "finished", "")
	saysNothing(t, want)
}

func hostRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	e.enqueue("alpha", "tareas.sumar", 1, 2)
	status, body := e.withHost(http.MethodGet, "/rq/", "evil.example", nil)
	if status != http.StatusBadRequest {
		t.Errorf("GET with Host evil.example: %d, want 400", status)
	}
	contains(t, "the response", body, want)
	lacks(t, "the response", body, "alpha")
}

func crossSiteFormRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	e.enqueue("alpha", "tareas.sumar", 1, 2)
	form := url.Values{"csrf_token": {e.token("/rq/")}, "next": {"/rq/"}}
	status, body := e.withHost(http.MethodPost, "/rq/queues/alpha/empty", "", form, "Origin", "https://evil.example")
	if status != http.StatusForbidden {
		t.Errorf("POST with Origin https://evil.example: %d, want 403", status)
	}
	contains(t, "the response", body, want)
	if n := e.llen("rq:queue:alpha"); n != 1 {
		t.Errorf("the queue holds %d jobs after the refused form, want 1", n)
	}
}

// deadWorkerNameRow: a worker's hash left by a process that has ended (as
// after kill -9) does not keep a new worker from its name.
func deadWorkerNameRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	ended := exec.Command("true")
	must(t, ended.Run())
	host, err := os.Hostname()
	must(t, err)
	fresh := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	must(t, e.rdb.SAdd(e.ctx, "rq:workers", "rq:worker:killed").Err())
	must(t, e.rdb.HSet(e.ctx, "rq:worker:killed", "birth", fresh, "last_heartbeat", fresh, "hostname", host,
		"pid", ended.Process.Pid, "state", "idle", "queues", "default").Err())
	var log bytes.Buffer
	w, err := rqlite.NewWorker(e.rdb, []string{"default"}, &rqlite.WorkerOptions{Name: "killed", Burst: true,
		Tasks: e.tasks, Logger: &rqlite.Logger{Out: &log, Err: &log}})
	must(t, err)
	if err := w.Work(e.ctx); err != nil {
		t.Fatalf("Work = %v, want the name taken over; log:\n%s", err, log.String())
	}
	contains(t, "the log", log.String(), want)
	if status, body := e.get("/rq/workers"); status >= 500 || strings.Contains(body, "goroutine ") {
		t.Errorf("GET /rq/workers: %d", status)
	}
}

// hugeSetsRow: rq:queues holds 2,000 names besides a real queue's, and one
// of 4 MiB; rq:workers holds 1,500 workers. Jobs still run; the queues
// page, the workers page and /metrics read 1,000 of each and say how many
// more there are, and no page holds the long name. (The workers page
// comes first: a page forgets the dead workers it reads, as RQ's
// Worker.all does, and these have no hash.)
func hugeSetsRow(t *testing.T, want string) {
	e := tableEnv(t, rqlite.JSON)
	long := "rq:queue:" + strings.Repeat("n", 4<<20)
	queues, workers := []any{long}, make([]any, 0, 1500)
	for i := range 2000 {
		queues = append(queues, fmt.Sprintf("rq:queue:forged%04d", i))
	}
	for i := range cap(workers) {
		workers = append(workers, fmt.Sprintf("rq:worker:forged%04d", i))
	}
	must(t, e.rdb.SAdd(e.ctx, "rq:queues", queues...).Err())
	must(t, e.rdb.SAdd(e.ctx, "rq:workers", workers...).Err())
	j := e.enqueue("real", "tareas.sumar", 1, 2)
	e.burstBeforeGood("real", rqlite.JSON)
	if st := e.hashStatus(j.ID); st != "finished" {
		t.Errorf("the job is %q, want finished", st)
	}
	status, body := e.get("/rq/workers")
	if status != http.StatusOK {
		t.Errorf("GET /rq/workers: %d", status)
	}
	contains(t, "the workers page", body, "more registered workers not shown")
	status, body = e.get("/rq/")
	if status != http.StatusOK || strings.Contains(body, "nnnnnnnn") {
		t.Errorf("GET /rq/: %d, %d bytes", status, len(body))
	}
	contains(t, "the queues page", body, want)
	status, body = e.get("/rq/metrics")
	if status != http.StatusOK || strings.Contains(body, "nnnnnnnn") {
		t.Errorf("GET /rq/metrics: %d, %d bytes", status, len(body))
	}
	contains(t, "/metrics", body, `rq_unlisted{kind="queue"} 1002`)
}
