package dashboard_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// FuzzHostileData writes a queue, a job, a worker, a group, a cron
// scheduler and limits with arbitrary names and fields straight into Redis, as any program could, and requests every
// page and the metrics: none may fail with a 5xx or show a stack trace,
// and all they send is UTF-8.
func FuzzHostileData(f *testing.F) {
	f.Add("q\xff", "a\xfe", "w\xc3", "busy\xff")
	f.Add("alpha", "", "w1", "idle")
	f.Add("<script>", "\x00{\"a\":", "w:x,y", "")
	f.Add("a,b", "\xed\xa0\x80", "", "busy")
	f.Add("dup\xff", "\\xff", `dup\xff`, "idle")
	f.Add("x/y", "1e999", "w\n", "started")
	f.Fuzz(func(t *testing.T, queue, field, worker, state string) {
		e := newEnv(t, nil)
		id := "fuzz-job"
		p := e.rdb.TxPipeline()
		p.SAdd(e.ctx, "rq:queues", "rq:queue:"+queue, "rq:queue:"+label(queue))
		p.RPush(e.ctx, "rq:queue:"+queue, id, field)
		p.ZAdd(e.ctx, "rq:failed:"+queue, redis.Z{Score: 1e10, Member: id})
		p.HSet(e.ctx, "rq:job:"+id, "origin", queue, "status", field, "description", field,
			"exc_info", field, "data", field, "meta", field, "created_at", field, "worker_name", worker,
			"group_id", queue)
		p.SAdd(e.ctx, "rq:groups", queue, field)
		p.SAdd(e.ctx, "rq:group:"+queue, id, field)
		p.ZAdd(e.ctx, "rq:cron_schedulers", redis.Z{Score: float64(time.Now().Unix()), Member: worker})
		p.HSet(e.ctx, "rq:cron_scheduler:"+worker, "name", worker, "hostname", field, "pid", state,
			"created_at", field, "config_file", field, "cron_jobs", field)
		p.HSet(e.ctx, "rq:concurrency:queues", queue, field)
		p.HSet(e.ctx, "rq:concurrency:tasks", field, state)
		p.SAdd(e.ctx, "rq:workers", "rq:worker:"+worker)
		p.HSet(e.ctx, "rq:worker:"+worker, "queues", queue+","+field, "state", state,
			"current_job", id, "last_heartbeat", field, "successful_job_count", field)
		_, err := p.Exec(e.ctx)
		must(t, err)

		q := url.PathEscape(queue)
		for _, path := range []string{"/rq/", "/rq/queues/" + q, "/rq/queues/" + q + "/failed",
			"/rq/jobs/" + id, "/rq/workers", "/rq/groups", "/rq/groups/" + q, "/rq/cron", "/rq/limits",
			"/rq/metrics"} {
			status, body := e.get(path)
			if status >= 500 || strings.Contains(body, "goroutine ") || !utf8.ValidString(body) {
				t.Fatalf("GET %s: %d, UTF-8 %v:\n%s", path, status, utf8.ValidString(body), body)
			}
		}
		_ = e.scrape() // the metrics parse
	})
}

// label is the label value the metrics give a name: that name, or, if it
// is not UTF-8, the name with its invalid bytes written \xNN. The fuzz
// target registers a queue under both, so that they collide.
func label(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
