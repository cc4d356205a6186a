package rqlitetutorial_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
	"github.com/redis/go-redis/v9"
)

// The pages also run redis-cli and curl, which a reader has (redis-cli
// comes with Redis) but the tests may not: they need only Go. toolShims
// makes a directory, first on the page runner's PATH, with:
//
//   - redis-cli: the real one, told to talk to the runner's Redis (a
//     reader's finds theirs at the default address, the runner's is
//     elsewhere), or else this test binary acting as one;
//   - curl: this test binary acting as one, where there is no curl.
//
// TestMain makes the test binary act as the tool named by shimEnv.
func toolShims(t *testing.T) string {
	dir := t.TempDir()
	self := `exec env ` + shimEnv + `=%s "` + os.Args[0] + `" "$@"`
	scripts := map[string]string{
		"redis-cli": fmt.Sprintf(self, "redis-cli"),
		"curl":      fmt.Sprintf(self, "curl"),
	}
	if real, err := exec.LookPath("redis-cli"); err == nil {
		scripts["redis-cli"] = `exec "` + real + `" -u "$REDIS_URL" "$@"`
	}
	if _, err := exec.LookPath("curl"); err == nil {
		delete(scripts, "curl")
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// shimEnv names the tool that the test binary stands for.
const shimEnv = "RQLITE_TEST_AS"

func TestMain(m *testing.M) {
	switch os.Getenv(shimEnv) {
	case "redis-cli":
		os.Exit(redisCLI(os.Args[1:]))
	case "curl":
		os.Exit(curl(os.Args[1:]))
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir) // the binaries of buildCommands: 400 MB each run
	}
	os.Exit(code)
}

// redisCLI runs one command on $REDIS_URL and prints the reply as
// redis-cli does when its output is not a terminal.
func redisCLI(args []string) int {
	opts, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	cmd := make([]any, len(args))
	for i, a := range args {
		cmd[i] = a
	}
	reply, err := rdb.Do(context.Background(), cmd...).Result()
	switch {
	case err == redis.Nil:
		fmt.Println()
	case err != nil:
		fmt.Println("(error)", err)
	default:
		printRaw(reply)
	}
	return 0
}

// printRaw prints a reply as redis-cli does to a pipe: one value a line.
func printRaw(v any) {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			printRaw(x)
		}
	case map[any]any:
		for k, x := range v {
			fmt.Println(k)
			printRaw(x)
		}
	default:
		fmt.Println(v)
	}
}

// curl does what the pages ask of curl: curl [-s] [-X METHOD] URL, the
// body to standard output, exit status 0 whatever the HTTP status.
func curl(args []string) int {
	method, url := http.MethodGet, ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-s":
		case a == "-X" && i+1 < len(args):
			method = args[i+1]
			i++
		case !strings.HasPrefix(a, "-") && url == "":
			url = a
		default:
			fmt.Fprintf(os.Stderr, "curl (test stand-in): unsupported argument %q\n", a)
			return 2
		}
	}
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 7 // curl's "failed to connect"
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
	return 0
}

// TestShimsActAsTheTools checks the stand-ins against what the pages need.
func TestShimsActAsTheTools(t *testing.T) {
	srv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s\n", r.Method, r.URL.RequestURI())
	})}
	l, err := newLoopbackListener()
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	out, err := exec.Command("sh", "-c", `RQLITE_TEST_AS=curl "$0" -s -X POST "$1"`, os.Args[0], l.Addr().String()+"/a?b=1").CombinedOutput()
	if err != nil || string(out) != "POST /a?b=1\n" {
		t.Errorf("curl stand-in: %q, %v", out, err)
	}

	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	rdb.RPush(context.Background(), "rq:queue:default", "a", "b")
	cmd := exec.Command(os.Args[0], "LRANGE", "rq:queue:default", "0", "-1")
	cmd.Env = append(os.Environ(), shimEnv+"=redis-cli", "REDIS_URL="+url)
	out, err = cmd.CombinedOutput()
	if err != nil || string(out) != "a\nb\n" {
		t.Errorf("redis-cli stand-in: %q, %v", out, err)
	}
}

func newLoopbackListener() (net.Listener, error) {
	return net.Listen("tcp", "127.0.0.1:0")
}

// rq2Home is where the pages say a reader installs Python RQ 2 (a virtual
// environment made with pip): ~/rq2/bin/rq and ~/rq2/bin/python3.
const rq2Home = "~/rq2/bin/"

// rq2Shims returns a directory with rq and python3 scripts that stand for
// ~/rq2/bin's: Debian 12's Python with RQ 2.3.3 first on its PYTHONPATH
// (see rqtest.PythonRQ2, which skips the page without it, or fails in CI).
func rq2Shims(t *testing.T) string {
	t.Helper()
	python, path := rqtest.PythonRQ2(t)
	dir := t.TempDir()
	env := `PYTHONPATH="` + path + `${PYTHONPATH:+:$PYTHONPATH}" exec "` + python + `"`
	scripts := map[string]string{
		"rq":      env + ` -c 'import sys; from rq.cli import main; sys.exit(main())' "$@"`,
		"python3": env + ` "$@"`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
