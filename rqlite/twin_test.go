package rqlite_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// This file holds what the tests of Job.GetPosition, Queue.Delete and
// JobRegistry.Remove share to compare rqlite with Python RQ: a twin
// database that holds a copy of another, Python programs run on either,
// and a dump of a database to compare the two.

// pythonRQ is one Python RQ to compare with: its interpreter and the
// PYTHONPATH that selects its version.
type pythonRQ struct {
	name, python, path string
}

// pythonRQs returns Debian's RQ 1.13 and, where it is found, RQ 2.3.3;
// without RQ 1.13 the test is skipped.
func pythonRQs(t *testing.T) []pythonRQ {
	t.Helper()
	rqs := []pythonRQ{{name: "rq1.13", python: rqtest.PythonRQ(t)}}
	t.Run("rq2-available", func(t *testing.T) {
		python, path := rqtest.PythonRQ2(t)
		rqs = append(rqs, pythonRQ{name: "rq2.3.3", python: python, path: path})
	})
	return rqs
}

// run runs program with this RQ, with the URL of rdb's database in
// REDIS_URL, and returns its output.
func (p pythonRQ) run(t *testing.T, rdb *redis.Client, program string) string {
	t.Helper()
	cmd := exec.Command(p.python, "-c", program)
	cmd.Env = append(os.Environ(), "REDIS_URL="+dbURL(rdb))
	if p.path != "" {
		cmd.Env = append(cmd.Env, "PYTHONPATH="+p.path)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", p.name, err, out)
	}
	return string(out)
}

// dbURL is the redis:// URL of rdb's database.
func dbURL(rdb *redis.Client) string {
	opts := rdb.Options()
	u := &url.URL{Scheme: "redis", Host: opts.Addr, Path: fmt.Sprint("/", opts.DB)}
	if opts.Password != "" {
		u.User = url.UserPassword(opts.Username, opts.Password)
	}
	return u.String()
}

// twin returns a second leased database holding a copy of every key of
// rdb's, TTLs included (DUMP and RESTORE), so that one operation can be
// done by rqlite on one and by Python RQ on the other.
func twin(t *testing.T, ctx context.Context, rdb *redis.Client) *redis.Client {
	t.Helper()
	other := rqtest.New(t)
	for _, k := range rdb.Keys(ctx, "*").Val() {
		if strings.HasPrefix(k, "rqtest:") {
			continue
		}
		v, err := rdb.Dump(ctx, k).Result()
		must(t, err)
		ttl := rdb.PTTL(ctx, k).Val()
		if ttl < 0 {
			ttl = 0
		}
		must(t, other.Restore(ctx, k, ttl, v).Err())
	}
	return other
}

// dump describes every key of rdb's database and its contents, one line
// each, sorted, for comparing two databases. TTLs are left out (they
// tick), but whether a key has one is kept.
func dump(t *testing.T, ctx context.Context, rdb *redis.Client) string {
	t.Helper()
	var lines []string
	for _, k := range rdb.Keys(ctx, "*").Val() {
		if strings.HasPrefix(k, "rqtest:") {
			continue
		}
		typ := rdb.Type(ctx, k).Val()
		lines = append(lines, fmt.Sprintf("%s %s ttl:%v %s", typ, k, rdb.PTTL(ctx, k).Val() > 0, contents(ctx, rdb, typ, k)))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// contents describes the value of key k, of Redis type typ.
func contents(ctx context.Context, rdb *redis.Client, typ, k string) string {
	switch typ {
	case "string":
		return rdb.Get(ctx, k).Val()
	case "list":
		return fmt.Sprint(rdb.LRange(ctx, k, 0, -1).Val())
	case "set":
		m := rdb.SMembers(ctx, k).Val()
		sort.Strings(m)
		return fmt.Sprint(m)
	case "zset":
		return fmt.Sprint(rdb.ZRangeWithScores(ctx, k, 0, -1).Val())
	case "hash":
		h := rdb.HGetAll(ctx, k).Val()
		fields := make([]string, 0, len(h))
		for f, v := range h {
			fields = append(fields, f+"="+v)
		}
		sort.Strings(fields)
		return fmt.Sprint(fields)
	}
	return fmt.Sprint("entries:", rdb.XLen(ctx, k).Val())
}

// compareTwins fails t when the databases of got (changed by rqlite) and
// want (changed by Python RQ) differ.
func compareTwins(t *testing.T, ctx context.Context, got, want *redis.Client) {
	t.Helper()
	if g, w := dump(t, ctx, got), dump(t, ctx, want); g != w {
		t.Errorf("rqlite left:\n%s\nPython RQ left:\n%s", g, w)
	}
}
