package rqlitetutorial_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestPythonLeerReadsGoJobs runs "python/leer.py", which the RQ 2 page
// shows, with Debian's Python RQ on a job that a Go worker ran: it prints
// the job's status, result and worker as RQ reads them.
func TestPythonLeerReadsGoJobs(t *testing.T) {
	python := rqtest.PythonRQ(t)
	rdb := rqtest.New(t)
	url := fmt.Sprintf("redis://%s/%d", rdb.Options().Addr, rdb.Options().DB)
	ctx := context.Background()
	q := rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{Serializer: rqlite.Pickle})
	job, err := q.EnqueueCall(ctx, "tareas.sumar", &rqlite.EnqueueOptions{Args: []any{2, 3}, JobID: "suma"})
	check(t, err)
	w, err := rqlite.NewWorker(rdb, []string{"default"}, &rqlite.WorkerOptions{Name: "go", Burst: true,
		Serializer: rqlite.Pickle, Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}})
	check(t, err)
	check(t, w.Work(ctx))

	cmd := exec.Command(python, "python/leer.py", job.ID)
	cmd.Env = append(os.Environ(), "REDIS_URL="+url, "PYTHONPATH=python")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "suma finished 5 go\n" {
		t.Errorf("python/leer.py suma: %v\n%s", err, out)
	}
}
