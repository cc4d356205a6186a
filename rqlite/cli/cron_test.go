package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// writeCron writes a cron file and returns its path.
func writeCron(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cron.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rq cron queues the jobs of its file (the interval one at once), is
// listed by AllCronSchedulers while it runs, with its file and the next
// run of each job, and leaves the registry when stopped.
func TestCronCommand(t *testing.T) {
	url := rqtest.URL(t)
	rdb, err := rqlite.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	path := writeCron(t, "jobs:\n  - func: clitest.note\n    queue_name: periodica\n    args: [hola]\n    interval: 1h\n"+
		"  - func: clitest.note\n    queue_name: periodica\n    kwargs: {s: adios}\n    cron: '0 3 * * *'\n    result_ttl: -1\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &rqtest.Buffer{}
	root := New()
	root.SetArgs([]string{"cron", "-u", url, "--name", "cli-cron", path})
	root.SetOut(out)
	root.SetErr(out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	rqtest.WaitFor(t, 10*time.Second, "the first job", func() bool { return rdb.LLen(ctx, "rq:queue:periodica").Val() == 1 || len(done) > 0 })
	if len(done) > 0 {
		t.Fatalf("rq cron stopped: %v\n%s", <-done, out.String())
	}
	all, err := rqlite.AllCronSchedulers(ctx, rdb)
	if err != nil || len(all) != 1 || all[0].Name != "cli-cron" || all[0].ConfigFile != path || len(all[0].Jobs) != 2 {
		t.Fatalf("AllCronSchedulers = %+v, %v", all, err)
	}
	if next := all[0].Jobs[1].NextRun; next.Hour() != 3 || next.Minute() != 0 || !next.After(time.Now()) {
		t.Errorf("the cron job's next run is %v, want the next 03:00 UTC", next)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("rq cron: %v", err)
	}
	if n := rdb.ZCard(context.Background(), "rq:cron_schedulers").Val(); n != 0 {
		t.Errorf("%d schedulers registered after rq cron stopped", n)
	}
	logHas(t, out.String(), "Registered 'clitest.note' to run on periodica every 3600 seconds", "CronScheduler cli-cron: starting...", "shutdown complete")
}

// logHas checks that log holds each of wants.
func logHas(t *testing.T, log string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// A wrong file fails at once, before connecting, with one line that names
// the file, the job and the bad value; so do a bad logging level and a
// missing file.
func TestCronCommandRefusesBadFiles(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"jobs: [", "invalid YAML"},
		{"jobs:\n  - func: clitest.note\n    queue_name: q\n    args: [x]\n    cron: '* * *'\n", `job 1: rqlite: invalid cron expression "* * *"`},
		{"jobs:\n  - func: no.such.task\n    queue_name: q\n    interval: 5\n", `job 1: rqlite: unknown function "no.such.task"`},
		{"jobs:\n  - func: clitest.note\n    queue_name: q\n    args: [x]\n    interval: soon\n", `invalid interval "soon"`},
		{"jobs:\n  - func: clitest.note\n    queue_name: q\n    args: [x]\n    interval: -3\n", `invalid interval "-3"`},
		{"jobs:\n  - func: clitest.note\n    queue_name: q\n    args: [x]\n    interval: 5\n    webhooks: []\n", "field webhooks not found"},
		{"jobs:\n  - func: clitest.note\n    queue_name: q\n    args: [x]\n    interval: 5\n    ttl: mañana\n", `invalid ttl "mañana"`},
		{"jobs:\n  - func: clitest.note\n    queue_name: q\n    args: [2001-12-14]\n    interval: 5\n", "cannot be a job argument"},
		{"jobs:\n  - queue_name: q\n    interval: 5\n", "func missing"},
		{"jobs: []\n", "no jobs"},
		{"a: &a [x, x]\nb: &b [*a, *a]\njobs: " + strings.Repeat("x", 2<<20) + "\n", "larger than"},
	} {
		path := writeCron(t, c.text)
		var stdout, stderr bytes.Buffer
		status := run([]string{"cron", "-u", rqtest.URL(t), path}, &stdout, &stderr)
		msg := stderr.String()
		if status != 1 || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, c.want) || !strings.Contains(msg, path) {
			t.Errorf("%.40q: status %d, stderr %q; want one line with %q", c.text, status, msg, c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if status := run([]string{"cron", "-l", "LOUD", "x.yaml"}, &stdout, &stderr); status != 1 || !strings.Contains(stderr.String(), `"LOUD"`) {
		t.Errorf("-l LOUD: status %d, stderr %q", status, stderr.String())
	}
	stderr.Reset()
	if status := run([]string{"cron", filepath.Join(t.TempDir(), "none.yaml")}, &stdout, &stderr); status != 1 || !strings.Contains(stderr.String(), "none.yaml") {
		t.Errorf("missing file: status %d, stderr %q", status, stderr.String())
	}
}
