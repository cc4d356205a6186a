package rqlite

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Special values of the duration options (JobTimeout, ResultTTL, FailureTTL,
// TTL), the Go names of RQ's -1 and 0.
const (
	// Forever means no limit: a job that may run for ever (RQ's
	// job_timeout=-1) or a result or failure kept until deleted by hand
	// (result_ttl=-1).
	Forever time.Duration = -1 * time.Second
	// Discard, as a ResultTTL, deletes a job as soon as it succeeds and
	// keeps no result (RQ's result_ttl=0).
	Discard time.Duration = -2 * time.Second
)

// ParseTimeout reads a duration the way RQ's parse_timeout does: a whole
// number of seconds ("180", "-1") or digits followed by one unit, d, h, m or
// s, in either case ("2d", "1h", "30m", "15s"). It is what the command line
// and the queue configuration use.
func ParseTimeout(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return seconds(n, s)
	}
	if s != "" {
		unit := map[byte]int64{'d': 86400, 'h': 3600, 'm': 60, 's': 1}[lower(s[len(s)-1])]
		if n, err := strconv.ParseInt(strings.TrimSpace(s[:len(s)-1]), 10, 64); err == nil && unit != 0 {
			if n > maxSeconds/unit || n < -maxSeconds/unit {
				return 0, badOption("timeout", s, "too large")
			}
			return seconds(n*unit, s)
		}
	}
	return 0, badOption("timeout", s, "use whole seconds or digits with a unit d, h, m or s, such as 1h, 30m, 15s or 2d")
}

// maxSeconds is the most seconds a time.Duration holds.
const maxSeconds = int64(1<<63-1) / int64(time.Second)

func seconds(n int64, s string) (time.Duration, error) {
	if n > maxSeconds || n < -maxSeconds {
		return 0, badOption("timeout", s, "too large")
	}
	return time.Duration(n) * time.Second, nil
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// wholeSeconds converts a duration option into the integer number of
// seconds that RQ stores, refusing what RQ cannot store.
func wholeSeconds(option string, d time.Duration) (int64, error) {
	if d%time.Second != 0 {
		return 0, fmt.Errorf("rqlite: %s %v is not a whole number of seconds", option, d)
	}
	return int64(d / time.Second), nil
}

// rqSeconds is a duration as RQ stores timeouts and TTLs: whole seconds,
// -1 for Forever and 0 for Discard.
func rqSeconds(d time.Duration) int64 {
	switch d {
	case Forever:
		return -1
	case Discard:
		return 0
	}
	return int64(d / time.Second)
}
