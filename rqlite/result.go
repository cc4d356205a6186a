package rqlite

import (
	"errors"

	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// ResultType tells what a Result records, with RQ's numbers.
type ResultType int

// The result types of RQ's results stream.
const (
	ResultSuccessful ResultType = 1
	ResultFailed     ResultType = 2
	ResultStopped    ResultType = 3
)

// A Result is one entry of a job's results stream (rq:results:ID): the
// outcome of one run of the job.
type Result struct {
	Type        ResultType
	CreatedAt   time.Time
	ReturnValue any    // for a successful run, decoded generically (nil for none)
	ExcString   string // for a failed run: the error and, for a panic, its stack
	// ReturnValueErr is why the stored return value could not be decoded
	// (a Python value that Go cannot represent, such as a set, is an
	// *UnsupportedValueError), nil if it could; ReturnValue is then nil.
	// It fails only this value: the result's other fields, the job's other
	// results and its ExcInfo are read all the same.
	ReturnValueErr error
}

// Decode stores the return value in the value pointed to by v, converting
// it as a task's arguments are converted.
func (r *Result) Decode(v any) error {
	if r.ReturnValueErr != nil {
		return r.ReturnValueErr
	}
	b, err := json.Marshal(r.ReturnValue)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Results returns every result kept for the job, newest first.
func (j *Job) Results(ctx context.Context) ([]*Result, error) {
	return j.results(ctx, -1)
}

// LatestResult returns the newest result of the job, or nil if it has none.
func (j *Job) LatestResult(ctx context.Context) (*Result, error) {
	rs, err := j.results(ctx, 1)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return rs[0], nil
}

// ReturnValue is the value returned by the job's latest run, nil if it did
// not succeed (yet), as RQ's job.return_value(). A value that cannot be
// decoded is an error (the Result's ReturnValueErr).
func (j *Job) ReturnValue(ctx context.Context) (any, error) {
	r, err := j.LatestResult(ctx)
	if err != nil || r == nil || r.Type != ResultSuccessful {
		return nil, err
	}
	if r.ReturnValueErr != nil {
		return nil, fmt.Errorf("rqlite: return value of job %s: %w", j.ID, r.ReturnValueErr)
	}
	return r.ReturnValue, nil
}

// ExcInfo is the error text of the job's latest failure, "" if none: from
// the results stream, or from the job hash where RQ 1.13 puts it for jobs
// it found abandoned.
func (j *Job) ExcInfo(ctx context.Context) (string, error) {
	r, err := j.LatestResult(ctx)
	if err != nil {
		return "", err
	}
	if r != nil {
		if r.Type == ResultFailed {
			return r.ExcString, nil
		}
		return "", nil
	}
	s, err := j.c.rdb.HGet(ctx, keys.Job(j.ID), "exc_info").Result()
	if err != nil || s == "" {
		return "", nil
	}
	b, err := decompress([]byte(s))
	if err != nil {
		return "", fmt.Errorf("rqlite: exc_info of job %s: %w", j.ID, err)
	}
	return string(b), nil
}

func (j *Job) results(ctx context.Context, count int64) ([]*Result, error) {
	rdb, err := j.client()
	if err != nil {
		return nil, err
	}
	key := keys.Results(j.ID)
	cmd := rdb.XRevRange(ctx, key, "+", "-")
	if count > 0 {
		cmd = rdb.XRevRangeN(ctx, key, "+", "-", count)
	}
	msgs, err := cmd.Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: results of job %s: %w", j.ID, err)
	}
	out := make([]*Result, 0, len(msgs))
	for _, m := range msgs {
		r, err := j.c.decodeResult(m.ID, m.Values)
		if err != nil {
			return nil, fmt.Errorf("rqlite: result %s of job %s: %w", m.ID, j.ID, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (c *conn) decodeResult(id string, v map[string]any) (*Result, error) {
	field := func(k string) string { s, _ := v[k].(string); return s }
	t, err := strconv.Atoi(field("type"))
	if err != nil {
		return nil, fmt.Errorf("type %q is not a number", field("type"))
	}
	r := &Result{Type: ResultType(t)}
	if ms, err := strconv.ParseInt(strings.SplitN(id, "-", 2)[0], 10, 64); err == nil {
		r.CreatedAt = time.UnixMilli(ms).UTC()
	}
	if rv := field("return_value"); rv != "" {
		// A value that cannot be read fails only itself: the entry is kept.
		b, err := base64.StdEncoding.DecodeString(rv)
		if err == nil {
			r.ReturnValue, err = c.serializer.Unmarshal(b)
		}
		if err != nil {
			r.ReturnValue, r.ReturnValueErr = nil, fmt.Errorf("result %s: return_value: %w", id, err)
		}
	}
	if es := field("exc_string"); es != "" {
		b, err := base64.StdEncoding.DecodeString(es)
		if err != nil {
			return nil, fmt.Errorf("exc_string: %w", err)
		}
		if b, err = decompress(b); err != nil {
			return nil, fmt.Errorf("exc_string: %w", err)
		}
		r.ExcString = string(b)
	}
	return r, nil
}

// WaitResult waits until the job has a result, for at most timeout, and
// returns it; nil if none came in time. It blocks in Redis (XREAD BLOCK)
// rather than polling.
func (j *Job) WaitResult(ctx context.Context, timeout time.Duration) (*Result, error) {
	if r, err := j.LatestResult(ctx); r != nil || err != nil {
		return r, err
	}
	streams, err := j.c.rdb.XRead(ctx, &redis.XReadArgs{
		Streams: []string{keys.Results(j.ID), "0-0"},
		Count:   1,
		Block:   max(timeout, time.Millisecond),
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rqlite: wait for the result of job %s: %w", j.ID, err)
	}
	// Another result may have come meanwhile: return the newest.
	if r, err := j.LatestResult(ctx); r != nil || err != nil {
		return r, err
	}
	m := streams[0].Messages[0]
	return j.c.decodeResult(m.ID, m.Values)
}
