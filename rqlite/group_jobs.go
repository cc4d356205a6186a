package rqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// JobIDs returns the IDs in the group's set, in no order, as they are:
// some may be of jobs that no longer exist (see Cleanup).
func (g *Group) JobIDs(ctx context.Context) ([]string, error) {
	ids, err := g.rdb.SMembers(ctx, g.Key()).Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: group %q: %w", g.Name, err)
	}
	return ids, nil
}

// Jobs cleans the group, then returns its jobs, as RQ's Group.get_jobs: a
// job that is gone meanwhile is left out, and so is one whose hash cannot
// be read (its error is logged by no one: use FetchJobs to see it).
func (g *Group) Jobs(ctx context.Context) ([]*Job, error) {
	if err := g.Cleanup(ctx); err != nil {
		return nil, err
	}
	ids, err := g.JobIDs(ctx)
	if err != nil {
		return nil, err
	}
	fetched, err := FetchJobs(ctx, g.rdb, ids, g.opts)
	if err != nil {
		return nil, err
	}
	jobs := make([]*Job, 0, len(fetched))
	for _, f := range fetched {
		if f.Err == nil {
			jobs = append(jobs, f.Job)
		}
	}
	return jobs, nil
}

// DeleteJob takes a job out of the group, leaving the job itself, as RQ's
// Group.delete_job.
func (g *Group) DeleteJob(ctx context.Context, id string) error {
	if err := g.rdb.SRem(ctx, g.Key(), id).Err(); err != nil {
		return fmt.Errorf("rqlite: group %q: delete job %s: %w", g.Name, id, err)
	}
	return nil
}

// Cleanup takes out of the group the IDs of the jobs that no longer exist
// (deleted, or expired), as RQ's Group.cleanup. Once none is left, Redis
// deletes the set, and the group no longer exists.
func (g *Group) Cleanup(ctx context.Context) error {
	ids, err := g.JobIDs(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	cmds := make([]*redis.IntCmd, len(ids))
	if _, err := g.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Exists(ctx, keys.Job(id))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("rqlite: clean group %q: %w", g.Name, err)
	}
	var gone []any
	for i, id := range ids {
		if cmds[i].Val() == 0 {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := g.rdb.SRem(ctx, g.Key(), gone...).Err(); err != nil {
			return fmt.Errorf("rqlite: clean group %q: %w", g.Name, err)
		}
	}
	return nil
}

// AllGroups returns the groups named in rq:groups, as RQ's Group.all: a
// name whose set no longer exists is taken out of rq:groups.
func AllGroups(ctx context.Context, rdb redis.UniversalClient, opts *QueueOptions) ([]*Group, error) {
	names, err := rdb.SMembers(ctx, keys.Groups).Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: groups: %w", err)
	}
	var groups []*Group
	for _, name := range names {
		g, err := FetchGroup(ctx, rdb, name, opts)
		switch {
		case errors.Is(err, ErrNoSuchGroup):
			if err := rdb.SRem(ctx, keys.Groups, name).Err(); err != nil {
				return nil, fmt.Errorf("rqlite: groups: %w", err)
			}
		case err != nil:
			return nil, err
		default:
			groups = append(groups, g)
		}
	}
	return groups, nil
}

// CleanGroups cleans every group and forgets those left empty, as RQ
// 2.x's Group.clean_registries, which its workers run with their
// maintenance. A group that cannot be cleaned (its key holds something
// other than a set, say) is left as it is, and its error, naming it, is
// returned with the others' once the rest are cleaned.
func CleanGroups(ctx context.Context, rdb redis.UniversalClient) error {
	groups, err := AllGroups(ctx, rdb, nil)
	if err != nil {
		return err
	}
	var empty []any
	var errs []error
	for _, g := range groups {
		if err := g.Cleanup(ctx); err != nil {
			errs = append(errs, err)
			continue
		}
		if n, err := rdb.Exists(ctx, g.Key()).Result(); err != nil {
			return fmt.Errorf("rqlite: clean groups: %w", err)
		} else if n == 0 {
			empty = append(empty, g.Name)
		}
	}
	if len(empty) > 0 {
		if err := rdb.SRem(ctx, keys.Groups, empty...).Err(); err != nil {
			return fmt.Errorf("rqlite: clean groups: %w", err)
		}
	}
	return errors.Join(errs...)
}
