package rqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// Suspend stops every worker of this Redis (rqlite's and Python RQ's) from
// starting new jobs, for d or, if d is 0, until Resume; jobs already
// running finish. It is RQ's rq suspend.
func Suspend(ctx context.Context, rdb redis.UniversalClient, d time.Duration) error {
	if d < 0 || d%time.Second != 0 {
		return badOption("suspension", d, "use a whole number of seconds, or 0 for no limit")
	}
	if err := rdb.Set(ctx, keys.Suspended, 1, d).Err(); err != nil {
		return fmt.Errorf("rqlite: suspend workers: %w", err)
	}
	return nil
}

// Resume lets suspended workers start jobs again (rq resume).
func Resume(ctx context.Context, rdb redis.UniversalClient) error {
	if err := rdb.Del(ctx, keys.Suspended).Err(); err != nil {
		return fmt.Errorf("rqlite: resume workers: %w", err)
	}
	return nil
}
