package rqlite

import (
	"context"
	"encoding/json"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// subscribe listens on the worker's command channel (rq:pubsub:NAME) for
// RQ's commands, and returns the function that stops listening. A pool's
// workers share one subscription (see commandHub).
func (w *Worker) subscribe(ctx context.Context) func() {
	channel := keys.PubSub(w.name)
	w.log.Infof("Subscribing to channel %s", channel)
	if w.hub != nil { // a pool's worker: its pool's one subscription
		w.hub.add(ctx, channel, func(payload string) { w.command(ctx, payload) })
		return func() { w.hub.remove(channel) }
	}
	sub := w.c.rdb.Subscribe(ctx, channel)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range sub.Channel() {
			w.command(ctx, msg.Payload)
		}
	}()
	return func() {
		sub.Close()
		<-done
	}
}

// command runs one command received on the worker's channel.
func (w *Worker) command(ctx context.Context, payload string) {
	var cmd struct {
		Command string `json:"command"`
		JobID   string `json:"job_id"`
	}
	if err := json.Unmarshal([]byte(payload), &cmd); err != nil {
		w.log.Warnf("Ignoring a command that is not JSON: %q", payload)
		return
	}
	w.mu.Lock()
	cur := w.current
	w.mu.Unlock()
	switch cmd.Command {
	case "shutdown":
		w.log.Infof("Received shutdown command, sending SIGINT signal.")
		w.log.Infof("%s", w.warmShutdownLine())
		w.markShutdownRequested(ctx)
		w.RequestStop()
	case "kill-horse":
		w.log.Infof("Received kill horse command.")
		if cur == nil {
			w.log.Infof("Worker is not working, kill horse command ignored")
			return
		}
		w.log.Infof("Killing the running job %s", cur.id)
		cur.cancel(errKilled)
	case "stop-job":
		w.log.Debugf("Received command to stop job %s", cmd.JobID)
		if cur == nil || cur.id != cmd.JobID {
			w.log.Infof("Not working on job %s, command ignored.", cmd.JobID)
			return
		}
		cur.cancel(errStoppedByUser)
	default:
		w.log.Warnf("Ignoring unknown command %q", cmd.Command)
	}
}
