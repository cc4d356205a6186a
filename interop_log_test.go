package rqlitetutorial_test

import (
	"regexp"
	"strings"
	"testing"
)

// logRecord is the start of a log record: RQ's "%H:%M:%S " prefix. Lines
// that do not start so continue the record before (a traceback, an
// error's text), and differ by design between Python and Go.
var logRecord = regexp.MustCompile(`^\d\d:\d\d:\d\d `)

// logNormalisers replace what differs between two runs of the same jobs
// and is not part of the format: the process's PID, the version, how long
// a job took.
var logNormalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`PID \d+`), "PID N"},
	{regexp.MustCompile(`version \S+`), "version V"},
	{regexp.MustCompile(`job in \d+:\d\d:\d\d(\.\d+)?s on`), "job in Ds on"},
	{regexp.MustCompile(`horse pid \d+`), "horse pid N"},
}

// logRecords are the records of a worker's log, without their time and
// normalised, one line each.
func logRecords(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if !logRecord.MatchString(line) {
			continue
		}
		line = line[len("15:09:00 "):]
		for _, n := range logNormalisers {
			line = n.re.ReplaceAllString(line, n.with)
		}
		out = append(out, line)
	}
	return out
}

// compareLogs reports where each Go worker's log records differ from
// Python's worker's, for the same jobs.
func (p snapshotPeer) compareLogs(t *testing.T, logs []string) {
	t.Helper()
	want := strings.Join(logRecords(logs[0]), "\n")
	for i, who := range snapshotWorkers[1:] {
		if got := strings.Join(logRecords(logs[i+1]), "\n"); got != want {
			d := lineDiff(want, got)
			t.Errorf("the %s worker's log records differ from Python's worker's (- python, + %s):\n%s", who, who, d)
		}
	}
}
