package rqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// Cancel cancels the job, as RQ's job.cancel: it will not run. It leaves
// its queue and registries for the canceled registry (rq:canceled:Q). With
// enqueueDependents, the jobs that wait for it are queued as if it had
// finished; otherwise they keep waiting. Canceling a running job does not
// stop it: use StopJob for that.
func (j *Job) Cancel(ctx context.Context, enqueueDependents bool) error {
	rdb, err := j.client()
	if err != nil {
		return err
	}
	now := j.c.now()
	reply, err := scripts.RunCancel(ctx, rdb, scripts.CancelArgs{
		Job:               keys.Job(j.ID),
		JobID:             j.ID,
		NowEpoch:          wire.Epoch(now),
		NowTimestamp:      wire.FormatTime(now),
		EnqueueDependents: enqueueDependents,
	})
	switch {
	case err != nil:
		return fmt.Errorf("rqlite: cancel job %s: %w", j.ID, err)
	case reply.NoJob:
		return fmt.Errorf("%w: %s", ErrNoSuchJob, j.ID)
	case reply.AlreadyCanceled:
		return fmt.Errorf("%w: %s", ErrAlreadyCanceled, j.ID)
	}
	j.Status = StatusCanceled
	return nil
}

// The commands a worker takes on its channel rq:pubsub:NAME, as RQ's.
const (
	commandShutdown  = "shutdown"
	commandKillHorse = "kill-horse"
	commandStopJob   = "stop-job"
)

func sendCommand(ctx context.Context, rdb redis.UniversalClient, worker string, cmd map[string]string) error {
	payload, _ := json.Marshal(cmd)
	if err := rdb.Publish(ctx, keys.PubSub(worker), pythonJSON(payload)).Err(); err != nil {
		return fmt.Errorf("rqlite: send %s to worker %s: %w", cmd["command"], worker, err)
	}
	return nil
}

// SendShutdownCommand asks a worker (rqlite's or Python RQ's) for a warm
// shut down: it finishes its job and quits.
func SendShutdownCommand(ctx context.Context, rdb redis.UniversalClient, worker string) error {
	return sendCommand(ctx, rdb, worker, map[string]string{"command": commandShutdown})
}

// SendKillHorseCommand makes a worker abandon the job it is running, which
// is marked failed; the worker goes on with the next job.
func SendKillHorseCommand(ctx context.Context, rdb redis.UniversalClient, worker string) error {
	return sendCommand(ctx, rdb, worker, map[string]string{"command": commandKillHorse})
}

// StopJob stops a running job: the worker running it (rqlite's or Python
// RQ's) cancels it, and it ends with status stopped in the failed
// registry. It is an error wrapping ErrNotRunning if no worker runs it.
func StopJob(ctx context.Context, rdb redis.UniversalClient, jobID string) error {
	h, err := rdb.HMGet(ctx, keys.Job(jobID), "worker_name", "status").Result()
	if err != nil {
		return fmt.Errorf("rqlite: stop job %s: %w", jobID, err)
	}
	if h[1] == nil {
		return fmt.Errorf("%w: %s", ErrNoSuchJob, jobID)
	}
	worker, _ := h[0].(string)
	if worker == "" || h[1] != string(StatusStarted) {
		return fmt.Errorf("%w: %s", ErrNotRunning, jobID)
	}
	return sendCommand(ctx, rdb, worker, map[string]string{"command": commandStopJob, "job_id": jobID})
}
