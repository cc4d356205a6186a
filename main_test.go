package rqlitetutorial_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestScripts runs testdata/scripts/*.txtar: the real demo and rq binaries,
// each script against a Redis database of its own (see rqtest).
func TestScripts(t *testing.T) {
	bin := buildCommands(t)
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/scripts",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("ROOT", root)
			env.Setenv("REDIS_URL", rqtest.URL(env.T().(testing.TB)))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"redis":      cmdRedis,
			"redis-wait": cmdRedisWait,
			"httpserve":  cmdHTTPServe,
			"wait-file":  cmdWaitFile,
		},
	})
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// buildCommands builds every demo, every exercise's solution and cmd/rq
// once per test process.
func buildCommands(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "rqlite-bin-")
		if buildErr != nil {
			return
		}
		pkgs := []string{"./cmd/rq"}
		dirs, _ := filepath.Glob("demos/*[a-z]")
		more, _ := filepath.Glob("ejercicios/*")
		dirs = append(dirs, more...)
		for _, d := range dirs {
			if info, err := os.Stat(d); err != nil || !info.IsDir() {
				continue
			}
			if filepath.Base(d) != "internal" {
				pkgs = append(pkgs, "./"+d)
			}
		}
		cmd := exec.Command("go", append([]string{"build", "-o", buildDir + string(os.PathSeparator)}, pkgs...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}

// cmdRedis runs one Redis command on the script's database and prints the
// reply as redis-cli --raw would, one element a line; arrays from HGETALL
// and SMEMBERS are sorted so that the output is stable. With -zlib the
// reply is decompressed first, for the job's data field.
//
//	redis [-zlib] COMMAND ARGS...
func cmdRedis(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! redis")
	}
	unzip := len(args) > 0 && args[0] == "-zlib"
	if unzip {
		args = args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: redis [-zlib] COMMAND ARGS...")
	}
	ts.Stdout().Write([]byte(redisReply(ts, unzip, args)))
}

// cmdRedisWait polls a Redis command until its reply, formatted as by the
// redis command, is WANT (with the trailing newline left out), and fails
// the script after 30 seconds.
//
//	redis-wait WANT COMMAND ARGS...
func cmdRedisWait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: redis-wait WANT COMMAND ARGS...")
	}
	want := args[0]
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := strings.TrimSuffix(redisReply(ts, false, args[1:]), "\n")
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("timed out waiting for %s to be %q; it is %q", strings.Join(args[1:], " "), want, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// redisReply runs a Redis command on the script's database and formats the
// reply.
func redisReply(ts *testscript.TestScript, unzip bool, args []string) string {
	opts, err := redis.ParseURL(ts.Getenv("REDIS_URL"))
	ts.Check(err)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	cmdArgs := make([]any, len(args))
	for i, a := range args {
		cmdArgs[i] = a
	}
	reply, err := rdb.Do(context.Background(), cmdArgs...).Result()
	if err == redis.Nil {
		reply, err = "(nil)", nil
	}
	ts.Check(err)
	var lines []string
	var flatten func(v any)
	flatten = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				flatten(x)
			}
		case map[any]any:
			for k, x := range v {
				lines = append(lines, fmt.Sprint(k)+" "+fmt.Sprint(x))
			}
		default:
			s := fmt.Sprint(v)
			if unzip {
				r, err := zlib.NewReader(strings.NewReader(s))
				ts.Check(err)
				b, err := io.ReadAll(r)
				ts.Check(err)
				s = string(b)
			}
			lines = append(lines, s)
		}
	}
	flatten(reply)
	_, isMap := reply.(map[any]any)
	switch strings.ToUpper(args[0]) {
	case "HGETALL":
		if isMap {
			sort.Strings(lines)
			break
		}
		pairs := make([]string, 0, len(lines)/2)
		for i := 0; i+1 < len(lines); i += 2 {
			pairs = append(pairs, lines[i]+" "+lines[i+1])
		}
		lines = pairs
		sort.Strings(lines)
	case "SMEMBERS", "KEYS", "HKEYS":
		sort.Strings(lines)
	}
	var out bytes.Buffer
	for _, l := range lines {
		out.WriteString(l + "\n")
	}
	return out.String()
}

// cmdWaitFile waits until FILE (written by a command running in the
// background) holds what WANT holds without its last DROP lines (0 if not
// given), and fails the script after 30 seconds. It lets a script send
// Ctrl-C to a waiting worker once the worker has written everything about
// its jobs, and not before.
//
//	wait-file FILE WANT [DROP]
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: wait-file FILE WANT [DROP]")
	}
	drop := 0
	if len(args) == 3 {
		if _, err := fmt.Sscan(args[2], &drop); err != nil {
			ts.Fatalf("wait-file: DROP %q is not a number", args[2])
		}
	}
	lines := strings.SplitAfter(ts.ReadFile(args[1]), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	want := strings.Join(lines[:max(0, len(lines)-drop)], "")
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := os.ReadFile(ts.MkAbs(args[0]))
		if string(got) == want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("timed out waiting for %s to hold %s less its last %d lines; it holds:\n%s", args[0], args[1], drop, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cmdHTTPServe serves a small fixed web page on a free loopback port for
// the rest of the script, and sets PAGE_URL to its address.
//
//	httpserve
func cmdHTTPServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: httpserve")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body><h1>Colas de trabajos</h1>\n<p>Una cola guarda trabajos que otros harán después.</p></body></html>\n")
	}))
	ts.Defer(srv.Close)
	ts.Setenv("PAGE_URL", srv.URL+"/")
}
