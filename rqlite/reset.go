package rqlite

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// DeleteAll deletes every key of RQ's layout (rq:*) from the database of
// rdb: queues, jobs, results, registries, workers' records, locks and the
// suspension flag. Other keys are left alone. It returns how many keys it
// deleted. Running workers are not stopped: they register again at their
// next heartbeat. It is for development and tests, to start from a known
// state; a deployment should empty queues with Queue.Empty instead.
func DeleteAll(ctx context.Context, rdb redis.UniversalClient) (int, error) {
	deleted := 0
	var cursor uint64
	for {
		batch, next, err := rdb.Scan(ctx, cursor, keys.Pattern, 1000).Result()
		if err != nil {
			return deleted, fmt.Errorf("rqlite: delete all: %w", err)
		}
		if len(batch) > 0 {
			n, err := rdb.Del(ctx, batch...).Result()
			if err != nil {
				return deleted, fmt.Errorf("rqlite: delete all: %w", err)
			}
			deleted += int(n)
		}
		if next == 0 {
			return deleted, nil
		}
		cursor = next
	}
}
