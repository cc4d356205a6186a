package rqlite

import (
	"fmt"
	"math"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// decodeCronJobs reads a cron_jobs field: a JSON list of RQ's
// CronJob.to_dict.
func decodeCronJobs(data string) ([]CronJobInfo, error) {
	v, err := JSON.Unmarshal([]byte(data))
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON list")
	}
	jobs := make([]CronJobInfo, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("job %d is not a JSON object", i)
		}
		j, err := decodeCronJob(m)
		if err != nil {
			return nil, fmt.Errorf("job %d: %w", i, err)
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// decodeCronJob reads one CronJob.to_dict, as RQ's CronJob.from_dict.
func decodeCronJob(m map[string]any) (CronJobInfo, error) {
	var j CronJobInfo
	var err error
	steps := []func() error{
		func() error { j.FuncName, err = cronString(m, "func_name", true); return err },
		func() error { j.Queue, err = cronString(m, "queue_name", true); return err },
		func() error { j.Cron, err = cronString(m, "cron", false); return err },
		func() error { j.Webhooks, err = cronString(m, "webhooks", false); return err },
		func() error { j.Interval, err = cronDuration(m, "interval"); return err },
		func() error { j.JobTimeout, err = cronDuration(m, "job_timeout"); return err },
		func() error { j.ResultTTL, err = cronDuration(m, "result_ttl"); return err },
		func() error { j.TTL, err = cronDuration(m, "ttl"); return err },
		func() error { j.FailureTTL, err = cronDuration(m, "failure_ttl"); return err },
		func() error { j.LatestRun, err = cronTime(m, "latest_enqueue_time"); return err },
		func() error { j.NextRun, err = cronTime(m, "next_enqueue_time"); return err },
		func() error { return cronJSON(m, "args", &j.Args) },
		func() error { return cronJSON(m, "kwargs", &j.Kwargs) },
		func() error { return cronJSON(m, "meta", &j.Meta) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return CronJobInfo{}, err
		}
	}
	if j.ResultTTL == 0 {
		j.ResultTTL = DefaultResultTTL // from_dict's default
	}
	return j, nil
}

// cronString reads a string field, "" for null or missing.
func cronString(m map[string]any, key string, required bool) (string, error) {
	switch v := m[key].(type) {
	case string:
		return v, nil
	case nil:
		if !required {
			return "", nil
		}
		return "", fmt.Errorf("%s missing", key)
	default:
		return "", fmt.Errorf("%s %s is not a string", key, logSafe(fmt.Sprint(v), 100))
	}
}

// cronDuration reads a number of seconds; -1 is Forever, null zero.
func cronDuration(m map[string]any, key string) (time.Duration, error) {
	var secs float64
	switch v := m[key].(type) {
	case nil:
		return 0, nil
	case int64:
		secs = float64(v)
	case float64:
		secs = v
	default:
		return 0, fmt.Errorf("%s %s is not a number", key, logSafe(fmt.Sprint(v), 100))
	}
	switch {
	case secs == -1 && key != "interval":
		return Forever, nil
	case math.IsNaN(secs) || secs < 0 || secs > float64(maxSeconds):
		return 0, fmt.Errorf("%s %v is out of range", key, secs)
	case secs == 0 && key == "result_ttl":
		return Discard, nil
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// cronTime reads a time in RQ's format, zero for null.
func cronTime(m map[string]any, key string) (time.Time, error) {
	s, err := cronString(m, key, false)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := wire.ParseTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a time in RQ's format", key, logSafe(s, 100))
	}
	return t, nil
}

// cronJSON reads a field that RQ writes with safe_json_dumps: null, its
// placeholder for what json.dumps could not write (left unset), or JSON
// of the type of *dst.
func cronJSON[T any](m map[string]any, key string, dst *T) error {
	s, err := cronString(m, key, false)
	if err != nil || s == "" || s == notJSONSerializable {
		return err
	}
	v, err := JSON.Unmarshal([]byte(s))
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if v == nil {
		return nil
	}
	t, ok := v.(T)
	if !ok {
		return fmt.Errorf("%s %s is not of the expected JSON type", key, logSafe(s, 100))
	}
	*dst = t
	return nil
}
