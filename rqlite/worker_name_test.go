package rqlite_test

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
	"github.com/redis/go-redis/v9"
)

// A worker killed with -9 leaves its hash; one restarted under its name
// takes the name over at once when it can tell the old one is gone, and
// is refused while the old one may be alive (issue 15, finding 5).
func TestWorkerTakesOverTheNameOfAGoneWorker(t *testing.T) {
	host, _ := os.Hostname()
	ended := exec.Command("true")
	must(t, ended.Run())
	stale := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z")
	fresh := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	for _, c := range []struct {
		name      string
		hostname  string
		pid       int
		heartbeat string
		takeOver  string // the log's reason, "" for a refusal
	}{
		{"ended process", host, ended.Process.Pid, fresh, "has ended"},
		{"this process's pid", host, os.Getpid(), fresh, "had this process's pid"},
		{"live process", host, os.Getppid(), fresh, ""},
		{"other host, recent heartbeat", "elsewhere", 1, fresh, ""},
		{"other host, lapsed heartbeat", "elsewhere", 1, stale, "last heartbeat was at"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t)
			key := keys.Worker("w1")
			must(t, b.rdb.HSet(b.ctx, key, "birth", fresh, "last_heartbeat", c.heartbeat, "hostname", c.hostname, "pid", c.pid).Err())
			var log bytes.Buffer
			w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Name: "w1", Burst: true, Tasks: b.reg,
				Logger: &rqlite.Logger{Out: &log, Err: &log}})
			must(t, err)
			err = w.Work(b.ctx)
			switch {
			case c.takeOver == "" && (err == nil || !strings.Contains(err.Error(), `an active worker named "w1" already`)):
				t.Errorf("Work = %v, want the name refused", err)
			case c.takeOver != "" && err != nil:
				t.Errorf("Work = %v, want the name taken over", err)
			case c.takeOver != "" && !strings.Contains(log.String(), "taking over the name of a worker that is gone") ||
				!strings.Contains(log.String(), c.takeOver):
				t.Errorf("log lacks the takeover and %q:\n%s", c.takeOver, log.String())
			}
		})
	}
}

// The same, end to end: a worker process killed with -9 and started again
// under its name works at once.
func TestWorkerRestartedAfterKill9(t *testing.T) {
	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	must(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	first := startTestWorker(t, url, "again")
	key := keys.Worker("again")
	rqtest.WaitFor(t, 20*time.Second, "the first worker to register", func() bool {
		return rdb.HGet(t.Context(), key, "state").Val() == "idle"
	})
	first.kill9(t)
	startTestWorker(t, url, "again")
	rqtest.WaitFor(t, 20*time.Second, "the restarted worker to register", func() bool {
		pid := rdb.HGet(t.Context(), key, "pid").Val()
		return pid != "" && pid != strconv.Itoa(first.cmd.Process.Pid) && rdb.HGet(t.Context(), key, "state").Val() == "idle"
	})
}
