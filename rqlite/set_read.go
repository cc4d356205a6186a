package rqlite

import (
	"context"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/redis/go-redis/v9"
)

// maxMemberName is the longest member of rq:queues or of a worker set that
// ListQueues and ListWorkers read, in bytes: the key of a queue or a
// worker named with 4 KiB. A longer member stays in Redis, counted among
// those not listed.
const maxMemberName = 4<<10 + 16

// readSet returns at most n members of the set key, sorted (every member,
// if n <= 0), and how many members of the set it did not return: those
// past n, those longer than maxMemberName, and, for a set emptied after it
// was huge, those that the SSCAN calls did not reach (see
// scripts.FirstMembers). A key of another type is a *NotASetError.
// Whatever the set holds, it costs one round trip and at most n members of
// maxMemberName bytes.
func readSet(ctx context.Context, rdb redis.UniversalClient, key string, n int) ([]string, int64, error) {
	r, err := scripts.FirstMembers(ctx, rdb, key, n, maxMemberName)
	if err != nil {
		return nil, 0, err
	}
	if r.WrongType {
		return nil, 0, &NotASetError{Key: key}
	}
	return r.Members, r.More(), nil
}
