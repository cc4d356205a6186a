package rqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// ErrCronSchedulerExists is returned by Run when a scheduler of the same
// name is already registered in Redis.
var ErrCronSchedulerExists = errors.New("rqlite: a cron scheduler of that name is already registered")

// Run starts the scheduler (see Start), then queues its jobs as they fall
// due and sends a heartbeat after each look, until ctx is done; it then
// stops it (see Stop). Between two looks it waits until the next job is
// due, MaxWait at most. A Redis error during the loop is logged and the
// loop goes on.
func (s *CronScheduler) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	defer func() {
		if err := s.Stop(context.WithoutCancel(ctx)); err != nil {
			s.log.Errorf("CronScheduler %s: %v", s.name, err)
		}
	}()
	for {
		if _, err := s.EnqueueDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Errorf("CronScheduler %s: %v", s.name, err)
		}
		if err := s.Heartbeat(ctx); err != nil && ctx.Err() == nil {
			s.log.Errorf("CronScheduler %s: heartbeat: %v", s.name, err)
		}
		t := time.NewTimer(s.wait())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Start registers the scheduler in Redis, as RQ's register_birth: its
// name in rq:cron_schedulers, scored by the time, and its hash, which
// expires in 60 s unless a heartbeat extends it. A scheduler of the same
// name already registered is ErrCronSchedulerExists. Run calls it; a
// program that drives its own loop calls Start, then EnqueueDue and
// Heartbeat, then Stop.
func (s *CronScheduler) Start(ctx context.Context) error {
	s.log.Infof("CronScheduler %s: starting...", s.name)
	return s.registerBirth(ctx)
}

// Stop takes the scheduler out of the registry, as RQ's register_death,
// and deletes its hash, which RQ leaves to expire.
func (s *CronScheduler) Stop(ctx context.Context) error {
	s.log.Infof("CronScheduler %s: registering death...", s.name)
	err := s.registerDeath(ctx)
	s.log.Infof("CronScheduler %s: shutdown complete", s.name)
	return err
}

// wait is how long to wait before the next look: until the next job is
// due, MaxWait at most.
func (s *CronScheduler) wait() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	d := s.opts.MaxWait
	for _, e := range s.entries {
		if until := e.next.Sub(now); until < d {
			d = until
		}
	}
	return max(d, 0)
}

// EnqueueDue makes one look: each job that is due is claimed for its
// period and, if this scheduler got the claim, queued; another scheduler
// that claimed it first has queued it. If any was due, it records the
// jobs' times in its hash, as RQ's save_jobs_data (which RQ calls only
// when it queued one: here the next runs stay right in every scheduler's
// hash). It returns how many jobs it queued; an error of one job does not
// keep the others from being queued.
func (s *CronScheduler) EnqueueDue(ctx context.Context) (int, error) {
	n, due, err := s.enqueueDue(ctx)
	if due > 0 {
		if serr := s.saveJobs(ctx); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	return n, err
}

// enqueueDue queues the due jobs that this scheduler claims, and says
// how many it queued and how many were due.
func (s *CronScheduler) enqueueDue(ctx context.Context) (n, due int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, e := range s.entries {
		now := s.opts.Now()
		if now.Before(e.next) {
			continue
		}
		due++
		period, next := e.due(now)
		e.next = next
		queued, err := s.enqueue(ctx, e, period, now)
		switch {
		case err != nil:
			errs = append(errs, err)
		case queued:
			n++
		default:
			s.log.Debugf("CronScheduler %s: %s of %s was queued by another scheduler", s.name, e.task.Name, wire.FormatTime(period))
		}
	}
	return n, due, errors.Join(errs...)
}

// enqueue queues the job of e for period unless another scheduler has:
// the job is written with the period's claim, in one script, so that a
// period is never claimed without its job, nor queued twice.
func (s *CronScheduler) enqueue(ctx context.Context, e *cronEntry, period, now time.Time) (bool, error) {
	q := s.queue(e.job.Queue)
	j, err := q.prepare(e.task, e.job.options())
	if err != nil {
		return false, fmt.Errorf("rqlite: queueing %s on %s: %w", e.task.Name, e.job.Queue, err)
	}
	c := &claim{key: keys.CronClaim(e.id, strconv.FormatInt(period.UnixMilli(), 10)), ttl: e.claimTTL(period), value: s.name}
	job, err := q.writeOnce(ctx, j, c)
	if err != nil || job == nil {
		return false, err
	}
	e.latest = now
	s.log.Infof("Enqueued job %s to queue %s (%s)", e.task.Name, e.job.Queue, job.ID)
	return true, nil
}

// registerBirth adds the scheduler to the registry and writes its hash,
// as RQ's register_birth and save do. The registry is scored by the real
// time, whatever CronOptions.Now says: it tells living schedulers from
// dead ones.
func (s *CronScheduler) registerBirth(ctx context.Context) error {
	s.log.Infof("CronScheduler %s: registering birth...", s.name)
	s.mu.Lock()
	fields := s.cronHash()
	s.mu.Unlock()
	var added *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		added = p.ZAddNX(ctx, keys.CronSchedulers, redis.Z{Score: epochSeconds(time.Now()), Member: s.name})
		p.HSet(ctx, keys.CronScheduler(s.name), fields...)
		p.Expire(ctx, keys.CronScheduler(s.name), 60*time.Second)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rqlite: registering cron scheduler %s: %w", s.name, err)
	}
	if added.Val() == 0 {
		return fmt.Errorf("%w: %s", ErrCronSchedulerExists, s.name)
	}
	return nil
}

// registerDeath takes the scheduler out of the registry, as RQ's
// register_death does, and deletes its hash, which RQ leaves to expire.
func (s *CronScheduler) registerDeath(ctx context.Context) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, keys.CronSchedulers, s.name)
		p.Del(ctx, keys.CronScheduler(s.name))
		return nil
	})
	return err
}

// Heartbeat updates the scheduler's score in the registry, only if it is
// still there, and extends its hash to 120 s, as RQ's heartbeat does; if
// it is no longer there (taken out as stale), it logs a warning, as RQ.
func (s *CronScheduler) Heartbeat(ctx context.Context) error {
	var changed *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		changed = p.ZAddArgs(ctx, keys.CronSchedulers, redis.ZAddArgs{XX: true, Ch: true, Members: []redis.Z{{Score: epochSeconds(time.Now()), Member: s.name}}})
		p.Expire(ctx, keys.CronScheduler(s.name), 120*time.Second)
		return nil
	})
	if err == nil && changed.Val() == 0 {
		s.log.Warnf("CronScheduler %s: heartbeat failed - scheduler not found in registry", s.name)
	}
	return err
}

// saveJobs writes the jobs' timings to the hash, as RQ's save_jobs_data.
func (s *CronScheduler) saveJobs(ctx context.Context) error {
	s.mu.Lock()
	data := s.cronJobsJSON()
	s.mu.Unlock()
	return s.rdb.HSet(ctx, keys.CronScheduler(s.name), "cron_jobs", data).Err()
}

// epochSeconds is t as RQ's time.time() gives it.
func epochSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
