package rqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// The job hash, rq:job:ID: how a Job is written (encode) and read back
// (decode) in the layout of Python RQ 1.13.

// maxJobFields is room for the fields, values and status that encode and
// its writers put in a new job's hash, so that they need no second slice.
const maxJobFields = 48

// encode returns the fields of the hash of a new job, field, value, ...,
// in the order RQ writes them; the status is left to the writer, which
// puts it first. rq2 adds the fields that RQ 2.x writes for every job.
func (j *Job) encode(rq2 bool) ([]any, error) {
	s := j.c.serializer
	data, err := encodeCall(s, j.FuncName, j.Args, j.Kwargs)
	if err != nil {
		return nil, fmt.Errorf("rqlite: the arguments of %s cannot be serialized with %s: %w", j.Description, s.Name(), err)
	}
	var created any = wire.FormatTime(j.CreatedAt) // boxed once, used twice
	fields := make([]any, 0, maxJobFields)
	fields = append(fields,
		"created_at", created,
		"data", data,
		"success_callback_name", j.OnSuccess,
		"failure_callback_name", j.OnFailure,
		"started_at", "",
		"ended_at", "",
		"last_heartbeat", "",
		"worker_name", "",
		"origin", j.Origin,
		"description", j.Description,
	)
	if j.Status == StatusQueued && len(j.DependencyIDs) == 0 {
		// Queued at once. A scheduled job gets its enqueued_at when its
		// time comes, a dependent one when its dependencies end.
		fields = append(fields, "enqueued_at", created)
	}
	for _, f := range j.durationFields() {
		if v := durationString(*f.dst); v != "" || f.name == "timeout" {
			fields = append(fields, f.name, v)
		}
	}
	if len(j.Meta) > 0 {
		meta, err := s.Marshal(j.Meta)
		if err != nil {
			return nil, fmt.Errorf("rqlite: the meta of %s cannot be serialized: %w", j.Description, err)
		}
		fields = append(fields, "meta", meta)
	}
	fields = j.encodeDependencies(fields)
	// RQ writes enqueue_at_front whenever the job depends on a Dependency
	// object, False included; allowing failures takes one.
	if j.EnqueueAtFront {
		fields = append(fields, "enqueue_at_front", "1")
	} else if j.AllowDepFailure {
		fields = append(fields, "enqueue_at_front", "0")
	}
	fields = j.encodeRetry(fields)
	if j.OnStopped != "" || rq2 {
		fields = append(fields, "stopped_callback_name", j.OnStopped)
	}
	if rq2 {
		fields = append(fields, "group_id", "")
	}
	return fields, nil
}

// encodeDependencies appends the fields of the job's dependencies, if it
// has any.
func (j *Job) encodeDependencies(fields []any) []any {
	if len(j.DependencyIDs) == 0 {
		return fields
	}
	ids, _ := json.Marshal(j.DependencyIDs)
	fields = append(fields, "dependency_id", j.DependencyIDs[0], "dependency_ids", string(pythonJSON(ids)))
	if j.AllowDepFailure {
		fields = append(fields, "allow_dependency_failures", "1")
	}
	return fields
}

// encodeRetry appends the fields of the job's retries, if it has any: the
// intervals in seconds, [0] when there are none, as RQ's Retry(max=N).
func (j *Job) encodeRetry(fields []any) []any {
	if j.RetriesLeft == 0 {
		return fields
	}
	intervals := make([]int64, 0, len(j.RetryIntervals))
	for _, d := range j.RetryIntervals {
		intervals = append(intervals, int64(d/time.Second))
	}
	if len(intervals) == 0 {
		intervals = []int64{0}
	}
	b, _ := json.Marshal(intervals)
	return append(fields, "retries_left", strconv.Itoa(j.RetriesLeft), "retry_intervals", string(pythonJSON(b)))
}

// decode fills the job from its hash. When a field cannot be read, the
// job keeps those read before it, which a worker uses to fail the job.
func (j *Job) decode(h map[string]string) error {
	data, ok := h["data"]
	if !ok {
		return errNoData
	}
	var err error
	if j.FuncName, j.Args, j.Kwargs, err = decodeCall(j.c.serializer, []byte(data)); err != nil {
		return err
	}
	return j.decodeFields(h)
}

// errNoData is the error of a job hash without a data field.
var errNoData = errors.New("unexpected job format: no data field")

// decodeFields reads the fields of hash h but its call (data).
func (j *Job) decodeFields(h map[string]string) error {
	var err error
	j.Description = h["description"]
	j.Origin = h["origin"]
	j.Status = Status(h["status"])
	j.WorkerName = h["worker_name"]
	j.OnSuccess = h["success_callback_name"]
	j.OnFailure = h["failure_callback_name"]
	if err := j.decodeTimes(h); err != nil {
		return err
	}
	for _, f := range j.durationFields() {
		if *f.dst, err = storedDuration(f.name, h[f.name]); err != nil {
			return err
		}
	}
	j.decodeMeta(h["meta"])
	if err := j.decodeDependencies(h); err != nil {
		return err
	}
	j.OnStopped = h["stopped_callback_name"]
	j.GroupID = h["group_id"]
	if err := j.decodeRetry(h); err != nil {
		return err
	}
	j.EnqueueAtFront = h["enqueue_at_front"] == "1"
	j.AllowDepFailure = h["allow_dependency_failures"] == "1"
	return nil
}

// decodeTimes reads the times of the job.
func (j *Job) decodeTimes(h map[string]string) error {
	for _, f := range [...]struct {
		name string
		dst  *time.Time
	}{
		{"created_at", &j.CreatedAt}, {"enqueued_at", &j.EnqueuedAt}, {"started_at", &j.StartedAt},
		{"ended_at", &j.EndedAt}, {"last_heartbeat", &j.LastHeartbeat},
	} {
		var err error
		if *f.dst, err = wire.ParseTime(h[f.name]); err != nil {
			return fmt.Errorf("field %s: %w", f.name, err)
		}
	}
	return nil
}

// decodeMeta reads the job's meta. A meta that cannot be read fails only
// itself, not the job: the reason is kept in MetaErr.
func (j *Job) decodeMeta(m string) {
	if m == "" {
		return
	}
	v, err := j.c.serializer.Unmarshal([]byte(m))
	if err != nil {
		j.MetaErr = fmt.Errorf("field meta: %w", err)
		return
	}
	var ok bool
	if j.Meta, ok = v.(map[string]any); !ok {
		j.MetaErr = fmt.Errorf("field meta holds %T, not a dictionary", v)
	}
}

// decodeDependencies reads the IDs of the job's dependencies: the list of
// dependency_ids, or else the one of dependency_id, which older versions
// of RQ write alone.
func (j *Job) decodeDependencies(h map[string]string) error {
	if ids := h["dependency_ids"]; ids != "" {
		if err := json.Unmarshal([]byte(ids), &j.DependencyIDs); err != nil {
			return fmt.Errorf("field dependency_ids: %w", err)
		}
	} else if id := h["dependency_id"]; id != "" {
		j.DependencyIDs = []string{id}
	}
	return nil
}

// decodeRetry reads how many more times the job runs if it fails, and the
// waits before those runs.
func (j *Job) decodeRetry(h map[string]string) error {
	if s := h["retries_left"]; s != "" {
		var err error
		if j.RetriesLeft, err = strconv.Atoi(s); err != nil {
			return fmt.Errorf("field retries_left: %q is not a number", s)
		}
	}
	if s := h["retry_intervals"]; s != "" {
		var secs []int64
		if err := json.Unmarshal([]byte(s), &secs); err != nil {
			return fmt.Errorf("field retry_intervals: %q is not a list of seconds", s)
		}
		for _, n := range secs {
			j.RetryIntervals = append(j.RetryIntervals, time.Duration(n)*time.Second)
		}
	}
	return nil
}

// durationField is one of a job's durations and the field that stores it.
type durationField struct {
	name string
	dst  *time.Duration
}

// durationFields are the job's durations, in the order RQ writes them.
func (j *Job) durationFields() [4]durationField {
	return [...]durationField{
		{"timeout", &j.Timeout}, {"result_ttl", &j.ResultTTL}, {"failure_ttl", &j.FailureTTL}, {"ttl", &j.TTL},
	}
}

// durationString is a duration as RQ stores timeouts and TTLs: a whole
// number of seconds, -1 for Forever and 0 for Discard; "" when it is unset.
func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return strconv.FormatInt(rqSeconds(d), 10)
}

// storedDuration reads an integer number of seconds as RQ stores timeouts
// and TTLs: -1 (any negative TTL) is Forever, and a stored result_ttl of 0
// is Discard.
func storedDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("field %s: %q is not a whole number of seconds", field, s)
	}
	// More than a time.Duration holds (292 years) is as good as for ever.
	n = max(min(n, maxSeconds), -maxSeconds)
	switch {
	case n == -1, n < 0 && field != "timeout":
		// RQ expires nothing for a negative TTL (its cleanup expires a
		// positive one and deletes at 0): every negative one is -1. (A
		// negative timeout is no limit, whatever its value.)
		return Forever, nil
	case n == 0 && field == "result_ttl":
		return Discard, nil
	}
	return time.Duration(n) * time.Second, nil
}

// noKwargs is the kwargs of a call that has none; only read.
var noKwargs = map[string]any{}

// encodeCall is the job's data field: the compressed, serialized tuple
// (func_name, instance, args, kwargs) that RQ stores.
func encodeCall(s Serializer, name string, args []any, kwargs map[string]any) ([]byte, error) {
	if args == nil {
		args = []any{}
	}
	if kwargs == nil {
		kwargs = noKwargs
	}
	b, err := s.Marshal(Tuple{name, nil, Tuple(args), kwargs})
	if err != nil {
		return nil, err
	}
	return wire.Compress(b), nil
}

// decodeCall undoes encodeCall.
func decodeCall(s Serializer, data []byte) (name string, args []any, kwargs map[string]any, err error) {
	raw, err := decompress(data)
	if err != nil {
		return "", nil, nil, err
	}
	v, err := s.Unmarshal(raw)
	if err != nil {
		return "", nil, nil, fmt.Errorf("cannot decode data with the %s serializer: %w", s.Name(), err)
	}
	tuple, ok := v.([]any)
	if !ok || len(tuple) != 4 {
		return "", nil, nil, fmt.Errorf("data is not a (func_name, instance, args, kwargs) tuple")
	}
	name, ok = tuple[0].(string)
	if !ok {
		return "", nil, nil, fmt.Errorf("data has a function name of type %T", tuple[0])
	}
	if tuple[1] != nil {
		return "", nil, nil, fmt.Errorf("job calls a method on a Python object, which a Go worker cannot run")
	}
	if args, ok = tuple[2].([]any); !ok && tuple[2] != nil {
		return "", nil, nil, fmt.Errorf("data has args of type %T", tuple[2])
	}
	if kwargs, ok = tuple[3].(map[string]any); !ok && tuple[3] != nil {
		return "", nil, nil, fmt.Errorf("data has kwargs of type %T", tuple[3])
	}
	return name, args, kwargs, nil
}
