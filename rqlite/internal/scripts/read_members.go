package scripts

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ReadMembersArgs are the arguments of read_members.lua.
type ReadMembersArgs struct {
	Set           string `lua:"KEYS[1]"`
	Cursor        uint64 `lua:"ARGV[1]"` // the SSCAN cursor to start from: 0 for the start
	Count         int64  `lua:"ARGV[2]"` // SSCAN's COUNT
	Calls         int64  `lua:"ARGV[3]"` // the most SSCAN calls
	MostMembers   int64  `lua:"ARGV[4]"` // the most members returned
	LongestMember int64  `lua:"ARGV[5]"` // the longest member returned, in bytes
}

// ReadMembersReply is what read_members.lua answers.
type ReadMembersReply struct {
	Exists    bool
	WrongType bool     // the key holds another type
	Cursor    uint64   // where the next page starts; 0: the set was read to its end
	Size      int64    // the set's size (SCARD)
	Long      int64    // the members read that were longer than LongestMember
	Cut       int64    // the members read past MostMembers
	Members   []string // the members returned, at most MostMembers, each once
}

// More is how many members of the set the call did not return: past
// MostMembers, longer than LongestMember, or not reached.
func (r ReadMembersReply) More() int64 { return max(r.Size-int64(len(r.Members)), 0) }

var readMembersScript = newScript[ReadMembersArgs]("read_members.lua")

// Bounds of FirstMembers: SSCAN's COUNT, and the most SSCAN calls, which
// stop a read of a set emptied after it was huge (it gives few members per
// call).
const (
	firstScanCount = 1000
	firstScanCalls = 64
)

// FirstMembers reads the first n members of set that SSCAN finds (every
// member, n <= 0), none longer than longest bytes, and returns them
// sorted: one round trip, bounded whatever the set holds.
func FirstMembers(ctx context.Context, rdb redis.Scripter, set string, n int, longest int64) (ReadMembersReply, error) {
	a := ReadMembersArgs{Set: set, Count: firstScanCount, Calls: firstScanCalls, MostMembers: int64(n),
		LongestMember: longest}
	if n <= 0 {
		a.Calls, a.MostMembers = math.MaxInt32, math.MaxInt32
	}
	r, err := RunReadMembers(ctx, rdb, a)
	slices.Sort(r.Members)
	return r, err
}

// RunReadMembers reads members of a set within bounds (see
// read_members.lua).
func RunReadMembers(ctx context.Context, rdb redis.Scripter, a ReadMembersArgs) (ReadMembersReply, error) {
	res, err := readMembersScript.run(ctx, rdb, a)
	if errors.Is(err, redis.Nil) {
		return ReadMembersReply{}, nil // no such key
	}
	if err != nil {
		return ReadMembersReply{}, err
	}
	switch v := res.(type) {
	case string:
		if v == "WRONGTYPE" {
			return ReadMembersReply{Exists: true, WrongType: true}, nil
		}
	case []any:
		if r, ok := readMembers(v); ok {
			return r, nil
		}
	}
	return ReadMembersReply{}, readMembersScript.replyError(res)
}

// readMembers reads the reply about an existing set.
func readMembers(items []any) (ReadMembersReply, bool) {
	if len(items) < 4 {
		return ReadMembersReply{}, false
	}
	c, ok := items[0].(string)
	cursor, err := strconv.ParseUint(c, 10, 64)
	size, ok1 := items[1].(int64)
	long, ok2 := items[2].(int64)
	cut, ok3 := items[3].(int64)
	if !ok || err != nil || !ok1 || !ok2 || !ok3 {
		return ReadMembersReply{}, false
	}
	r := ReadMembersReply{Exists: true, Cursor: cursor, Size: size, Long: long, Cut: cut,
		Members: make([]string, len(items)-4)}
	for i, it := range items[4:] {
		if r.Members[i], ok = it.(string); !ok {
			return ReadMembersReply{}, false
		}
	}
	return r, true
}
