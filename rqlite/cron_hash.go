package rqlite

import (
	"strconv"
	"strings"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// notJSONSerializable is what RQ's safe_json_dumps records for a value
// json.dumps cannot write (rq.utils.NOT_JSON_SERIALIZABLE).
const notJSONSerializable = "<not JSON serializable>"

// cronHash returns the fields of the scheduler's hash, field, value, ...,
// as RQ 2.10's CronScheduler.to_dict writes them, in its order.
func (s *CronScheduler) cronHash() []any {
	return []any{
		"hostname", s.hostname,
		"pid", strconv.Itoa(s.pid),
		"name", s.name,
		"created_at", wire.FormatTime(s.createdAt),
		"config_file", s.opts.ConfigFile,
		"cron_jobs", s.cronJobsJSON(),
	}
}

// cronJobsJSON returns the jobs as RQ's cron_jobs field holds them: a JSON
// list of CronJob.to_dict, written as Python's json.dumps writes it. s.mu
// is held.
func (s *CronScheduler) cronJobsJSON() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range s.entries {
		if i > 0 {
			b.WriteString(", ")
		}
		writePyObject(&b, e.info().rqFields())
	}
	b.WriteByte(']')
	return b.String()
}

// pyField is a key and value of a JSON object written in order.
type pyField struct {
	key   string
	value any
}

// rqFields returns the job's CronJob.to_dict, in RQ's order: the options
// last, only those set.
func (j CronJobInfo) rqFields() []pyField {
	f := []pyField{
		{"func_name", j.FuncName}, {"queue_name", j.Queue},
		{"args", dumpsIf(len(j.Args) > 0, j.Args)}, {"kwargs", dumpsIf(len(j.Kwargs) > 0, j.Kwargs)},
		{"interval", pySeconds(j.Interval)}, {"cron", nil},
		{"latest_enqueue_time", pyTime(j.LatestRun)}, {"next_enqueue_time", pyTime(j.NextRun)},
	}
	if j.Cron != "" {
		f[5].value = j.Cron
	}
	for _, o := range []pyField{
		{"job_timeout", j.JobTimeout}, {"result_ttl", j.ResultTTL}, {"ttl", j.TTL}, {"failure_ttl", j.FailureTTL},
	} {
		if d := o.value.(time.Duration); d != 0 {
			f = append(f, pyField{o.key, rqSeconds(d)})
		}
	}
	if j.Meta != nil {
		f = append(f, pyField{"meta", dumpsIf(true, j.Meta)})
	}
	return f
}

// dumpsIf is RQ's safe_json_dumps(v) if ok, else None.
func dumpsIf(ok bool, v any) any {
	if !ok {
		return nil
	}
	b, err := JSON.Marshal(v)
	if err != nil {
		return notJSONSerializable
	}
	return string(b)
}

// pySeconds is an interval in seconds, whole if it is, or None for zero.
func pySeconds(d time.Duration) any {
	switch {
	case d == 0:
		return nil
	case d%time.Second == 0:
		return int64(d / time.Second)
	}
	return d.Seconds()
}

// pyTime is RQ's utcformat of t, or None for the zero time.
func pyTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return wire.FormatTime(t)
}

// writePyObject writes fields as json.dumps writes a dict.
func writePyObject(b *strings.Builder, fields []pyField) {
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := JSON.Marshal(f.key)
		v, err := JSON.Marshal(f.value)
		if err != nil {
			v = []byte("null")
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteByte('}')
}
