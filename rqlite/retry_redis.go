package rqlite

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// isConnErr reports whether err means that Redis could not be reached or
// is not ready (a dropped connection, a restart, a failover), so that the
// operation should be tried again, rather than that Redis refused it.
func isConnErr(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return true
}

// backoff waits between attempts to reach Redis: 1 s, then 2, 4... up to
// 60 s, as RQ's worker does. The first failure of an outage is logged, in
// RQ's words; the rest are not, and the recovery is.
type backoff struct {
	log   *Logger
	next  time.Duration
	since time.Time
}

// failed logs the first failure of an outage and returns how long to wait.
func (b *backoff) failed(err error) time.Duration {
	if b.next == 0 {
		b.next = time.Second
		b.since = time.Now()
		b.log.Errorf("Could not connect to Redis instance: %v Retrying in %d seconds...", err, int(b.next/time.Second))
	}
	d := b.next
	b.next = min(b.next*2, 60*time.Second)
	return d
}

// ok ends an outage, if there was one.
func (b *backoff) ok() {
	if b.next != 0 {
		b.log.Infof("Reconnected to Redis after %v", time.Since(b.since).Round(time.Second))
		b.next = 0
	}
}

// persist runs op until it succeeds or fails for a reason other than the
// connection, waiting with a backoff in between; it gives up when ctx ends.
func persist(ctx context.Context, log *Logger, op func() error) error {
	b := backoff{log: log}
	for {
		err := op()
		if !isConnErr(err) || ctx.Err() != nil {
			b.ok()
			return err
		}
		t := time.NewTimer(b.failed(err))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
