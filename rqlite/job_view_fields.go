package rqlite

import (
	"context"
	"fmt"
	"math"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
)

// maxViewName is the longest field name of a job hash that a view reads
// whole; a longer one is shown cut, its value unread.
const maxViewName = 256

// JobFields is what was read of a job hash within ViewLimits: the values
// read, and the length of each value left in Redis, too long to read
// (keyed by its field's name, cut after 256 bytes). Err is why the hash
// was not read: an error wrapping ErrNoSuchJob when there is no job hash
// (a *NotAHashError when its key holds another type), a *ViewLimitError when it has more
// fields than MaxFields.
type JobFields struct {
	Values map[string]string
	Unread map[string]int64
	Err    error
}

// ReadJobFields reads the hashes of the jobs ids, for a page that shows
// them, within lim's MaxField, MaxRead and MaxFields: the fields named, or
// every field when none is. What it reads is bounded whatever Redis
// holds: a value that is too long stays in Redis, and its length is
// returned instead. The error is Redis's; a job that cannot be read has
// its own.
func ReadJobFields(ctx context.Context, rdb redis.UniversalClient, ids []string, fields []string, lim ViewLimits) ([]JobFields, error) {
	hashes := make([]string, len(ids))
	for i, id := range ids {
		hashes[i] = keys.Job(id)
	}
	read, err := readHashes(ctx, rdb, hashes, fields, lim)
	if err != nil {
		return nil, fmt.Errorf("rqlite: read jobs: %w", err)
	}
	out := make([]JobFields, len(ids))
	for i, h := range read {
		out[i] = JobFields{Values: h.Values, Unread: h.Unread}
		switch {
		case !h.Exists:
			out[i].Err = fmt.Errorf("%w: %s", ErrNoSuchJob, ids[i])
		case h.WrongType:
			out[i].Err = &NotAHashError{ID: ids[i], Key: hashes[i]}
		case h.TooMany > 0:
			out[i].Err = &ViewLimitError{fmt.Sprintf("job %s: its hash has %d fields, more than the %d shown", ids[i], h.TooMany, lim.MaxFields)}
		}
	}
	return out, nil
}

// readHashes reads the hashes at hashKeys within lim (see
// read_fields.lua): the fields named, or all of them when none is.
func readHashes(ctx context.Context, rdb redis.UniversalClient, hashKeys, fields []string, lim ViewLimits) ([]scripts.HashRead, error) {
	if len(hashKeys) == 0 {
		return nil, nil
	}
	r, err := scripts.RunReadFields(ctx, rdb, scripts.ReadFieldsArgs{Hashes: hashKeys, Fields: fields,
		MostFields: noLimit(int64(lim.MaxFields)), LongestValue: noLimit(lim.MaxField),
		MostBytes: noLimit(lim.MaxRead), LongestName: maxViewName})
	return r.Hashes, err
}

// noLimit is n, or the largest limit when n is 0 (no limit).
func noLimit(n int64) int64 {
	if n <= 0 {
		return math.MaxInt32 * 1024 // beyond any Redis value (512 MB)
	}
	return n
}
