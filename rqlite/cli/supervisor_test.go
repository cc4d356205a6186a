//go:build linux

package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// requireSupervisord returns the path of supervisord. Without it the test
// is skipped with a one-line reason; in CI (CI set), where .ci/run installs
// it, the test fails instead.
func requireSupervisord(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("supervisord")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("supervisord is required in CI (apt-get install supervisor)")
		}
		t.Skip("supervisord is not installed (apt-get install supervisor)")
	}
	return path
}

// supervisorConf is deploy/supervisor-rq.conf made to run in dir: one
// worker, the rq of bin, on the Redis of url, logging into dir, as the
// user running the test; the rest (the worker's name, the restarts, the
// stop signal) as the file has it, followed by a [supervisord] section
// that keeps its files in dir.
func supervisorConf(t *testing.T, bin, url, dir string) string {
	t.Helper()
	deploy, err := os.ReadFile(filepath.Join("..", "..", "deploy", "supervisor-rq.conf"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(deploy), "\n")
	replaced := map[string]bool{}
	for i, line := range lines {
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, ";") || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		switch key {
		case "command":
			_, args, _ := strings.Cut(value, " ")
			value = bin + " " + args
		case "numprocs":
			value = "1"
		case "directory":
			value = dir
		case "environment":
			value = fmt.Sprintf("REDIS_URL=%q,NO_COLOR=\"1\"", url)
		case "user":
			// Who runs the test: supervisord, as root or not, runs
			// the worker as that user.
			value = u.Username
		case "stdout_logfile":
			value = filepath.Join(dir, filepath.Base(value))
		default:
			continue
		}
		lines[i] = key + "=" + value
		replaced[key] = true
	}
	for _, key := range []string{"command", "numprocs", "directory", "environment", "user", "stdout_logfile"} {
		if !replaced[key] {
			t.Fatalf("deploy/supervisor-rq.conf has no %s= line any more; this test adapts it", key)
		}
	}
	conf := strings.Join(lines, "\n")
	if !strings.Contains(conf, "--name %(host_node_name)s-%(process_num)s") {
		t.Fatalf("deploy/supervisor-rq.conf no longer names the workers --name %%(host_node_name)s-%%(process_num)s; this test expects it:\n%s", conf)
	}
	conf += fmt.Sprintf(`
[supervisord]
nodaemon=true
pidfile=%[1]s/supervisord.pid
logfile=%[1]s/supervisord.log
childlogdir=%[1]s
`, dir)
	path := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startSupervisord runs supervisord -n -c conf until t ends, then stops it
// with SIGTERM (which stops the worker with SIGTERM) and waits for it.
func startSupervisord(t *testing.T, path, conf string) {
	t.Helper()
	cmd := exec.Command(path, "-n", "-c", conf)
	cmd.Env = rqEnv()
	// supervisord ends if the test binary dies, and stops its worker.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out := &rqtest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("SIGTERM to supervisord: %v", err)
		}
		select {
		case err := <-done:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("supervisord: %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("supervisord did not stop within 30 s of SIGTERM; killed. Its output:\n%s", out.String())
		}
	})
}

// The worker of deploy/supervisor-rq.conf, killed with -9, is started
// again by supervisor under the same name, takes the name over and works
// within a minute.
func TestSupervisorRestartsAWorkerKilledWith9(t *testing.T) {
	supervisord := requireSupervisord(t)
	rqtest.RequireRealRedis(t)
	url := rqtest.URL(t)
	bin := rqtest.BuildRQ(t)
	dir := t.TempDir()
	conf := supervisorConf(t, bin, url, dir)
	workerLog := filepath.Join(dir, "rq-worker-0.log")
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"supervisord.log", "rq-worker-0.log"} {
				data, _ := os.ReadFile(filepath.Join(dir, f))
				t.Logf("%s:\n%s", f, data)
			}
		}
	})

	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	ctx := t.Context()
	// The rq binary runs tareas.sumar; this process only needs its name
	// and parameters to enqueue it.
	tasks := rqlite.NewTaskRegistry()
	if err := tasks.Register("tareas.sumar", func(a, b int) int { return a + b }, "a", "b"); err != nil {
		t.Fatal(err)
	}
	q := rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{Tasks: tasks})

	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	key := keys.Worker(host + "-0") // %(host_node_name)s-%(process_num)s
	// registered is the pid of the worker registered under key, idle, 0
	// if none.
	registered := func() int {
		if !rdb.SIsMember(ctx, keys.Workers, key).Val() {
			return 0
		}
		vals := rdb.HMGet(ctx, key, "pid", "state", "death").Val()
		if len(vals) != 3 || vals[0] == nil || vals[1] != "idle" || vals[2] != nil {
			return 0
		}
		pid, _ := strconv.Atoi(vals[0].(string))
		return pid
	}
	// runJob enqueues tareas.sumar(a, 1) and waits for it to finish.
	runJob := func(deadline time.Time, a int) {
		t.Helper()
		job, err := q.Enqueue(ctx, "tareas.sumar", a, 1)
		if err != nil {
			t.Fatal(err)
		}
		waitUntil(t, deadline, fmt.Sprintf("job %s (tareas.sumar(%d, 1)) to finish", job.ID, a), func() bool {
			status, err := job.GetStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if status == rqlite.StatusFailed {
				exc, _ := job.ExcInfo(ctx)
				t.Fatalf("job %s failed: %s", job.ID, exc)
			}
			return status == rqlite.StatusFinished
		})
		if v, err := job.ReturnValue(ctx); err != nil || fmt.Sprint(v) != strconv.Itoa(a+1) {
			t.Fatalf("job %s returned %v, %v; want %d", job.ID, v, err, a+1)
		}
	}

	startSupervisord(t, supervisord, conf)
	deadline := time.Now().Add(60 * time.Second)
	var first int
	waitUntil(t, deadline, "the worker started by supervisord to register as "+key, func() bool {
		first = registered()
		return first != 0
	})
	runJob(deadline, 1)

	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", first, err)
	}
	killed := time.Now()
	deadline = killed.Add(60 * time.Second)
	// The job is enqueued once the new worker is there: one enqueued
	// sooner may reach Redis before it sees the killed worker's connection
	// close, and go to that worker's pending BLPOP, never to be run.
	var second int
	waitUntil(t, deadline, "a new worker to register as "+key, func() bool {
		second = registered()
		return second != 0 && second != first
	})
	runJob(deadline, 2)
	t.Logf("worker %d killed with -9; worker %d under the same name ran a job %v later",
		first, second, time.Since(killed).Round(time.Millisecond))
	log, err := os.ReadFile(workerLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "taking over the name of a worker that is gone") {
		t.Errorf("the worker's log does not tell that it took the name over:\n%s", log)
	}
}

// waitUntil polls cond until it holds, failing t at deadline.
func waitUntil(t *testing.T, deadline time.Time, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
