package rqlite

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxCronFile is the largest cron file read, and maxCronFileJobs the most
// jobs it may hold.
const (
	maxCronFile     = 1 << 20
	maxCronFileJobs = 1000
)

// A CronFileError says what is wrong in a cron file: in the whole file if
// Job is 0, else in its Job-th job (from 1).
type CronFileError struct {
	Path string
	Job  int
	Err  error
}

func (e *CronFileError) Error() string {
	msg := strings.Join(strings.Fields(e.Err.Error()), " ")
	if e.Job == 0 {
		return fmt.Sprintf("rqlite: cron file %s: %s", e.Path, msg)
	}
	return fmt.Sprintf("rqlite: cron file %s: job %d: %s", e.Path, e.Job, msg)
}

func (e *CronFileError) Unwrap() error { return e.Err }

// cronFileJob is one job of a cron file, with the names of the parameters
// of RQ's rq.cron.register.
type cronFileJob struct {
	Func       string         `yaml:"func"`
	QueueName  string         `yaml:"queue_name"`
	Args       []any          `yaml:"args"`
	Kwargs     map[string]any `yaml:"kwargs"`
	Interval   yaml.Node      `yaml:"interval"`
	Cron       string         `yaml:"cron"`
	JobTimeout yaml.Node      `yaml:"job_timeout"`
	ResultTTL  yaml.Node      `yaml:"result_ttl"`
	TTL        yaml.Node      `yaml:"ttl"`
	FailureTTL yaml.Node      `yaml:"failure_ttl"`
	Meta       map[string]any `yaml:"meta"`
}

// ReadCronFile reads the jobs of a cron file: YAML with a list, jobs, of
// mappings whose keys are the parameters of RQ's rq.cron.register (func,
// queue_name, args, kwargs, interval, cron, job_timeout, result_ttl, ttl,
// failure_ttl, meta). An interval is seconds (30, 0.5) or a Go duration
// ("30s", "500ms"); the other durations are seconds or RQ's forms ("1h",
// "30m", -1 for no limit). Any error is a *CronFileError.
func ReadCronFile(path string) ([]CronJob, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &CronFileError{Path: path, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCronFile+1))
	if err != nil {
		return nil, &CronFileError{Path: path, Err: err}
	}
	if len(data) > maxCronFile {
		return nil, &CronFileError{Path: path, Err: fmt.Errorf("larger than %d bytes", maxCronFile)}
	}
	var doc struct {
		Jobs []cronFileJob `yaml:"jobs"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, &CronFileError{Path: path, Err: fmt.Errorf("invalid YAML: %v", err)}
	}
	if len(doc.Jobs) == 0 {
		return nil, &CronFileError{Path: path, Err: fmt.Errorf("no jobs: list them under the key jobs")}
	}
	if len(doc.Jobs) > maxCronFileJobs {
		return nil, &CronFileError{Path: path, Err: fmt.Errorf("%d jobs, more than %d", len(doc.Jobs), maxCronFileJobs)}
	}
	jobs := make([]CronJob, len(doc.Jobs))
	for i, fj := range doc.Jobs {
		j, err := fj.job()
		if err != nil {
			return nil, &CronFileError{Path: path, Job: i + 1, Err: err}
		}
		jobs[i] = j
	}
	return jobs, nil
}

// job converts a job of the file, checking its values' types.
func (fj *cronFileJob) job() (CronJob, error) {
	if fj.Func == "" {
		return CronJob{}, fmt.Errorf("func missing: give the name of a registered task")
	}
	j := CronJob{Task: fj.Func, Queue: fj.QueueName, Cron: fj.Cron, Args: fj.Args, Kwargs: fj.Kwargs, Meta: fj.Meta}
	var err error
	if j.Interval, err = yamlInterval(&fj.Interval); err != nil {
		return CronJob{}, err
	}
	for _, d := range []struct {
		name string
		node *yaml.Node
		dst  *time.Duration
	}{
		{"job_timeout", &fj.JobTimeout, &j.JobTimeout}, {"result_ttl", &fj.ResultTTL, &j.ResultTTL},
		{"ttl", &fj.TTL, &j.TTL}, {"failure_ttl", &fj.FailureTTL, &j.FailureTTL},
	} {
		if *d.dst, err = yamlTimeout(d.name, d.node); err != nil {
			return CronJob{}, err
		}
	}
	for _, v := range []any{j.Args, j.Kwargs, j.Meta} {
		if err := checkYAMLValue(v, 0); err != nil {
			return CronJob{}, err
		}
	}
	return j, nil
}

// yamlInterval reads an interval: seconds, or a Go duration.
func yamlInterval(n *yaml.Node) (time.Duration, error) {
	if n.Kind == 0 || n.Tag == "!!null" {
		return 0, nil
	}
	bad := badOption("interval", n.Value, "give seconds (30, 0.5) or a duration such as 30s or 500ms")
	if n.Kind != yaml.ScalarNode {
		return 0, bad
	}
	if f, err := strconv.ParseFloat(n.Value, 64); err == nil && n.Tag != "!!str" {
		if f <= 0 || f > float64(maxSeconds) {
			return 0, bad
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// yamlTimeout reads a timeout or TTL as RQ's parse_timeout, -1 being
// Forever (and result_ttl 0 Discard).
func yamlTimeout(name string, n *yaml.Node) (time.Duration, error) {
	if n.Kind == 0 || n.Tag == "!!null" {
		return 0, nil
	}
	if n.Kind != yaml.ScalarNode {
		return 0, badOption(name, n.Value, "give seconds or a duration such as 1h, 30m or 15s")
	}
	d, err := ParseTimeout(n.Value)
	if err != nil {
		return 0, badOption(name, n.Value, "give seconds or a duration such as 1h, 30m or 15s")
	}
	switch {
	case d == -time.Second:
		return Forever, nil
	case d == 0 && name == "result_ttl":
		return Discard, nil
	case d <= 0:
		return 0, badOption(name, n.Value, "it must be positive, or -1 for no limit")
	}
	return d, nil
}

// checkYAMLValue refuses, in args, kwargs and meta, what JSON cannot hold
// as RQ would read it: maps with keys that are not strings, timestamps
// and the like.
func checkYAMLValue(v any, depth int) error {
	if depth > 100 {
		return fmt.Errorf("arguments nested more than 100 deep")
	}
	switch v := v.(type) {
	case nil, bool, int, int64, uint64, float64, string:
		return nil
	case []any:
		for _, e := range v {
			if err := checkYAMLValue(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, e := range v {
			if err := checkYAMLValue(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("value %s (%T) cannot be a job argument: use strings, numbers, booleans, lists and mappings with string keys", logSafe(fmt.Sprint(v), 100), v)
}

// LoadCronFile reads a cron file with ReadCronFile and registers its jobs,
// recording path as the scheduler's config_file. It registers no job if
// one of them is refused; the error then names the job.
func (s *CronScheduler) LoadCronFile(path string) error {
	s.log.Infof("Loading cron configuration from %s", path)
	jobs, err := ReadCronFile(path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	entries := make([]*cronEntry, len(jobs))
	for i, j := range jobs {
		if entries[i], err = s.newEntry(j); err != nil {
			s.mu.Unlock()
			return &CronFileError{Path: path, Job: i + 1, Err: err}
		}
	}
	s.mu.Unlock()
	for _, j := range jobs {
		if _, err := s.Register(j); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.opts.ConfigFile = path
	s.mu.Unlock()
	s.log.Infof("Successfully registered %d cron jobs from '%s'", len(jobs), path)
	return nil
}
