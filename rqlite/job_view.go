package rqlite

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// ViewLimits bound what reading a job to show it costs (a dashboard's job
// page): tighter than the decode limits, since a page shows only the
// start of each value, and a value within the decode limits may still
// take hundreds of megabytes to decode (a 64 MiB string, a list shared
// ten million times).
type ViewLimits struct {
	// MaxData is the most bytes the job's call (its data field) may
	// inflate to for its function, args and kwargs to be decoded.
	MaxData int64
	// MaxItems is the most values that one decoded pickle (the call, the
	// meta, a return value) may hold, as Limits.MaxItems.
	MaxItems int
	// MaxText is the most bytes kept of a long text: the job's exc_info,
	// a result's exc_string. The rest is inflated only to be counted.
	MaxText int
	// MaxResults is the most results read, the newest.
	MaxResults int64
	// MaxField is the longest value of a job hash read from Redis, in
	// bytes; a longer one stays there, and Unread gives its length.
	// MaxRead is the most bytes of values read in one call, and
	// MaxFields the most fields of a job hash read whole: a job with more
	// is not read. 0 sets no limit.
	MaxField  int64
	MaxRead   int64
	MaxFields int
}

// A JobView is a job read within ViewLimits.
type JobView struct {
	*Job
	// DataErr is why FuncName, Args and Kwargs are not decoded: the call
	// is beyond ViewLimits. The rest of the job is.
	DataErr error
	// Exc is the start of the error text of the job's latest failure (as
	// Job.ExcInfo), at most ViewLimits.MaxText bytes, ExcLen its whole
	// length, and ExcErr why it cannot be read.
	Exc    string
	ExcLen int64
	ExcErr error
	// Runs are the newest results, at most ViewLimits.MaxResults, and
	// RunCount how many the job has.
	Runs     []ResultView
	RunCount int64
	// Unread are the fields of the job hash left in Redis, beyond
	// ViewLimits.MaxField or MaxRead, with the length of each: an unread
	// data field is in DataErr too, meta in MetaErr and exc_info in
	// ExcErr.
	Unread map[string]int64

	excInfo string // the exc_info field, compressed
}

// A ResultView is a result read within ViewLimits: ExcString holds at most
// MaxText bytes, of ExcLen in all; ExcErr is why it cannot be read.
type ResultView struct {
	Result
	ExcLen int64
	ExcErr error
}

// A ViewLimitError is the error of a value beyond ViewLimits, though
// perhaps within the decode limits.
type ViewLimitError struct{ msg string }

func (e *ViewLimitError) Error() string { return e.msg }

// A JobDecodeError is the error of FetchJobView for a job whose hash was
// read but cannot be decoded (a field in another format, a serializer
// that is not the job's): Fields are what was read, to show them as they
// are.
type JobDecodeError struct {
	ID     string
	Fields JobFields
	Err    error
}

func (e *JobDecodeError) Error() string { return fmt.Sprintf("rqlite: job %s: %v", e.ID, e.Err) }

func (e *JobDecodeError) Unwrap() error { return e.Err }

// FetchJobView reads job id as FetchJob does, within lim: a call beyond
// lim is left out, and DataErr says so. It returns an error wrapping
// ErrNoSuchJob when the job does not exist, and a *JobDecodeError when its
// hash cannot be decoded. ReadRuns reads its results and exc_info.
func FetchJobView(ctx context.Context, rdb redis.UniversalClient, id string, opts *QueueOptions, lim ViewLimits) (*JobView, error) {
	c := newConn(rdb, opts)
	c.serializer = viewSerializer{Serializer: c.serializer, maxItems: lim.MaxItems}
	read, err := ReadJobFields(ctx, rdb, []string{id}, nil, lim)
	if err != nil {
		return nil, err
	}
	if err := read[0].Err; err != nil {
		return nil, err
	}
	h := read[0].Values
	v := &JobView{Job: &Job{ID: id, c: c}, excInfo: h["exc_info"], Unread: read[0].Unread}
	if err := v.decodeView(h, lim); err != nil {
		return nil, &JobDecodeError{ID: id, Fields: read[0], Err: err}
	}
	if n, ok := v.Unread["meta"]; ok {
		v.MetaErr = unreadError("meta", n)
	}
	return v, nil
}

// ReadRuns reads the newest results of the job (Runs, RunCount) and the
// error text of its latest failure (Exc, ExcLen, ExcErr), within lim. The
// error returned is that of Redis, or of a result that cannot be read at
// all.
func (v *JobView) ReadRuns(ctx context.Context, lim ViewLimits) error {
	if err := v.readResults(ctx, lim); err != nil {
		return err
	}
	if len(v.Runs) > 0 {
		if r := v.Runs[0]; r.Type == ResultFailed {
			v.Exc, v.ExcLen, v.ExcErr = r.ExcString, r.ExcLen, r.ExcErr
		}
		return nil
	}
	if n, ok := v.Unread["exc_info"]; ok {
		v.ExcErr = unreadError("exc_info", n)
	} else if v.excInfo != "" {
		v.Exc, v.ExcLen, v.ExcErr = inflatePrefix([]byte(v.excInfo), lim.MaxText)
	}
	return nil
}

// unreadError says that a job's field was left in Redis, n bytes long.
func unreadError(field string, n int64) *ViewLimitError {
	return &ViewLimitError{fmt.Sprintf("field %s: %d bytes in Redis, too long to read here", field, n)}
}

// decodeView decodes hash h: its call only if it is within lim.
func (v *JobView) decodeView(h map[string]string, lim ViewLimits) error {
	data, ok := h["data"]
	n, unread := v.Unread["data"]
	if !ok && !unread {
		return errNoData
	}
	if err := v.decodeFields(h); err != nil {
		return err
	}
	if unread {
		v.DataErr = unreadError("data", n)
		return nil
	}
	if n, err := inflatedSize([]byte(data), lim.MaxData); err != nil {
		return err
	} else if n > lim.MaxData {
		v.DataErr = &ViewLimitError{fmt.Sprintf("the call inflates to more than %d bytes, too large to show here", lim.MaxData)}
		return nil
	}
	var err error
	v.FuncName, v.Args, v.Kwargs, err = decodeCall(v.c.serializer, []byte(data))
	var vle *ViewLimitError
	if errors.As(err, &vle) {
		v.FuncName, v.Args, v.Kwargs, v.DataErr = "", nil, nil, vle
		return nil
	}
	return err
}

// readResults reads the newest results of the job, within lim.
func (v *JobView) readResults(ctx context.Context, lim ViewLimits) error {
	key := keys.Results(v.ID)
	msgs, err := v.c.rdb.XRevRangeN(ctx, key, "+", "-", max(lim.MaxResults, 1)).Result()
	if err != nil {
		return fmt.Errorf("rqlite: results of job %s: %w", v.ID, err)
	}
	if v.RunCount = int64(len(msgs)); v.RunCount >= lim.MaxResults {
		if v.RunCount, err = v.c.rdb.XLen(ctx, key).Result(); err != nil {
			return fmt.Errorf("rqlite: results of job %s: %w", v.ID, err)
		}
	}
	for _, m := range msgs {
		r, err := v.c.resultView(m.ID, m.Values, lim.MaxText)
		if err != nil {
			return fmt.Errorf("rqlite: result %s of job %s: %w", m.ID, v.ID, err)
		}
		v.Runs = append(v.Runs, r)
	}
	return nil
}

// resultView decodes a result entry as decodeResult does, keeping only
// the start of its exc_string, which fails only itself.
func (c *conn) resultView(id string, v map[string]any, maxText int) (ResultView, error) {
	es, _ := v["exc_string"].(string)
	rest := maps.Clone(v)
	delete(rest, "exc_string")
	r, err := c.decodeResult(id, rest)
	if err != nil {
		return ResultView{}, err
	}
	out := ResultView{Result: *r}
	if es != "" {
		b, err := base64.StdEncoding.DecodeString(es)
		if err != nil {
			out.ExcErr = fmt.Errorf("exc_string: %w", err)
			return out, nil
		}
		out.ExcString, out.ExcLen, out.ExcErr = inflatePrefix(b, maxText)
	}
	return out, nil
}

// inflatePrefix returns the first keep bytes that b inflates to (b itself
// when it is not zlib data, as Decompress), and how many it inflates to
// in all, counted without keeping them, up to the MaxDecompressed limit.
func inflatePrefix(b []byte, keep int) (string, int64, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return string(b[:min(len(b), keep)]), int64(len(b)), nil
	}
	defer r.Close()
	limit := DecodeLimits().MaxDecompressed
	var head bytes.Buffer
	n, err := io.CopyN(&head, r, int64(keep))
	if err == nil {
		var m int64
		m, err = io.Copy(io.Discard, io.LimitReader(r, limit+1-n))
		n += m
	}
	switch {
	case err != nil && err != io.EOF:
		return "", 0, fmt.Errorf("corrupt zlib data: %w", err)
	case n > limit:
		return "", 0, &LimitError{Limit: "MaxDecompressed", Max: int(limit), msg: (&wire.TooLargeError{Max: limit}).Error()}
	}
	return head.String(), n, nil
}

// inflatedSize returns how many bytes b inflates to (len(b) when it is not
// zlib data), counting no further than limit+1, without keeping them.
func inflatedSize(b []byte, limit int64) (int64, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return int64(len(b)), nil
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(r, limit+1))
	if err != nil {
		return 0, fmt.Errorf("corrupt zlib data: %w", err)
	}
	return n, nil
}

// viewSerializer is a serializer that decodes a pickle within maxItems
// values, when that is fewer than the MaxItems limit, with a
// *ViewLimitError beyond.
type viewSerializer struct {
	Serializer
	maxItems int
}

func (s viewSerializer) Unmarshal(data []byte) (any, error) {
	if _, ok := s.Serializer.(pickleSerializer); !ok {
		return s.Serializer.Unmarshal(data)
	}
	r := newPickleReader()
	if s.maxItems <= 0 || s.maxItems >= r.limits.MaxItems {
		return s.Serializer.Unmarshal(data)
	}
	r.limits.MaxItems = s.maxItems
	v, err := pickleSerializer{}.unmarshalWith(r, data)
	var le *LimitError
	if errors.As(err, &le) && le.Limit == "MaxItems" {
		return nil, &ViewLimitError{"it holds more than " + strconv.Itoa(s.maxItems) + " values, too many to show here"}
	}
	return v, err
}

// unmarshalWith is Unmarshal with the limits of r.
func (pickleSerializer) unmarshalWith(r *pickleReader, data []byte) (any, error) {
	return r.unmarshal(data)
}
