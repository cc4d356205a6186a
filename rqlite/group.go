package rqlite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// ErrNoSuchGroup is returned when fetching a group that does not exist
// (RQ's NoSuchGroupError): its set of jobs is gone, or never was.
var ErrNoSuchGroup = errors.New("rqlite: no such group")

// A Group is RQ 2.x's Group (rq.group.Group): a name for jobs enqueued
// together, so that they can be found together. Its jobs' IDs are the set
// rq:group:NAME, its name is in the set rq:groups, and each of its jobs
// has the name in its group_id field. Neither key expires: the set loses
// the IDs of the jobs that no longer exist when it is cleaned (Jobs,
// Cleanup, CleanGroups), and Redis deletes it once it is empty, as in RQ.
type Group struct {
	Name string
	rdb  redis.UniversalClient
	opts *QueueOptions
}

// NewGroup returns the group name, RQ's Group.create: nothing is written
// until jobs are enqueued in it. An empty name is replaced by a random
// one, 32 hex digits as RQ's uuid4().hex. opts gives the serializer and
// tasks with which its jobs are read; nil means the defaults.
func NewGroup(rdb redis.UniversalClient, name string, opts *QueueOptions) (*Group, error) {
	if name == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
		name = hex.EncodeToString(b[:])
	}
	if err := ValidateGroupName(name); err != nil {
		return nil, err
	}
	return &Group{Name: name, rdb: rdb, opts: opts}, nil
}

// ValidateGroupName reports whether name can be a group name: not empty,
// with no spaces or control characters. RQ takes any string; these
// would not survive a command line or a log line.
func ValidateGroupName(name string) error {
	if name == "" || strings.ContainsFunc(name, isSpaceOrControl) {
		return badOption("group name", name, "use a non-empty name without spaces or control characters")
	}
	return nil
}

// FetchGroup returns the existing group name, as RQ's Group.fetch: an
// error wrapping ErrNoSuchGroup if its set of jobs does not exist.
func FetchGroup(ctx context.Context, rdb redis.UniversalClient, name string, opts *QueueOptions) (*Group, error) {
	n, err := rdb.Exists(ctx, keys.Group(name)).Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: fetch group %q: %w", name, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchGroup, name)
	}
	return &Group{Name: name, rdb: rdb, opts: opts}, nil
}

// Key is the Redis key of the group's set of job IDs.
func (g *Group) Key() string { return keys.Group(g.Name) }

// EnqueueMany enqueues calls into q as Queue.EnqueueMany does, each job
// with the group's name as its group_id, and adds them to the group, in
// the same transaction (RQ's Group.enqueue_many). A job that depends on
// another job of the batch is deferred, as Queue.EnqueueMany defers it;
// RQ 2.3.3's group writes its batch in a pipeline run at the end, so that
// such a job finds no hash for its dependency, counts it as met and is
// queued at once.
func (g *Group) EnqueueMany(ctx context.Context, q *Queue, calls []Call) ([]*Job, error) {
	batch, err := q.prepareMany(calls)
	if err != nil {
		return nil, err
	}
	for _, p := range batch {
		p.job.GroupID = g.Name
		p.fields = withGroupID(p.fields, g.Name)
	}
	return q.writeMany(ctx, batch, func(p redis.Pipeliner, jobs []*prepared) {
		if len(jobs) == 0 {
			return
		}
		ids := make([]any, len(jobs))
		for i, j := range jobs {
			ids[i] = j.job.ID
		}
		p.SAdd(ctx, g.Key(), ids...)
		p.SAdd(ctx, keys.Groups, g.Name)
	})
}

// withGroupID sets the group_id of a job's fields: RQ 2.x's layout
// already holds the field, empty; RQ 1.13's has none, and gets it.
func withGroupID(fields []any, name string) []any {
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "group_id" {
			fields[i+1] = name
			return fields
		}
	}
	return append(fields, "group_id", name)
}
