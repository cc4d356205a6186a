package rqlite

import (
	"context"
	"math"
	"slices"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/redis/go-redis/v9"
)

// maxMemberName is the longest member of rq:queues or of a worker set that
// ListQueues and ListWorkers read, in bytes: the key of a queue or a
// worker named with 4 KiB. A longer member stays in Redis, counted among
// those not listed.
const maxMemberName = 4<<10 + 16

// setScan is SSCAN's COUNT when readSet reads a set, and setCalls the most
// SSCAN calls it makes for the first n members: a set emptied after it
// was huge may give few members per call, and the calls stop anyway.
const (
	setScan  = 1000
	setCalls = 64
)

// readSet returns at most n members of the set key, sorted (every member,
// if n <= 0), and how many members of the set it did not return: those
// past n, those longer than maxMemberName, and, for a set emptied after it
// was huge, those that setCalls SSCAN calls did not reach. A key of
// another type is a *NotASetError. Whatever the set holds, it costs
// one round trip and at most n members of maxMemberName bytes.
func readSet(ctx context.Context, rdb redis.UniversalClient, key string, n int) ([]string, int64, error) {
	a := scripts.ReadMembersArgs{Set: key, Count: setScan, Calls: setCalls, MostMembers: int64(n),
		LongestMember: maxMemberName}
	if n <= 0 {
		a.Calls, a.MostMembers = math.MaxInt32, math.MaxInt32
	}
	r, err := scripts.RunReadMembers(ctx, rdb, a)
	if err != nil {
		return nil, 0, err
	}
	if r.WrongType {
		return nil, 0, &NotASetError{Key: key}
	}
	slices.Sort(r.Members)
	return r.Members, max(r.Size-int64(len(r.Members)), 0), nil
}
