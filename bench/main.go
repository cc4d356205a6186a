// Command bench measures rqlite with no-op jobs, and in the same run, on the
// same Redis, its peers asynq and Python RQ (Debian's python3-rq, when
// installed), then prints a table of the figures and of the project's
// performance targets, each marked met (✓) or not (✗). Each target's bound
// comes from figures of the same run: a multiple of a peer's figure or of
// a ceiling of Redis (what Redis alone allows, see floor.go and
// floor_pipeline.go), or the lower of the two, whose term the table names.
//
//	cd bench && go run . -url redis://127.0.0.1:6379/15
//
// It FLUSHES the Redis database of the URL (FLUSHDB on that database only)
// before, between and after its measurements. The targets are reported,
// never asserted: the exit status is 0 unless a measurement could not be
// made.
//
// Flags:
//
//	-url URL     Redis to use (its database is flushed)
//	-n N         jobs per throughput figure (Python RQ gets N/10)
//	-repeat K    measure each throughput K times and keep the median
//	-quick       a short smoke run: small N, no Python RQ
//	-scale       also the 1,000,000-job figures (slow)
//	-json        print one JSON object instead of the table
//	-plot FILE   draw throughput against concurrency as a PNG
//	-o BASE      also write the table to BASE.txt and the JSON to BASE.json
//	-from FILE   measure nothing: report the results saved in FILE (JSON)
//	-only RE     measure only the figures whose progress name matches the
//	             regular expression RE (for example 'worker|asynq')
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// benchQueue is the queue every measurement uses.
const benchQueue = "bench"

// noop is the job of every throughput figure.
func noop(i int) {}

func init() {
	rqlite.Register("bench.noop", noop, "i")
	rqlite.Register("bench.mark", mark, "i")
}

// config holds the command line.
type config struct {
	url     string
	n       int
	quick   bool
	scale   bool
	jsonOut bool
	plot    string
	out     string
	python  string
	from    string
	repeat  int
	only    *regexp.Regexp
}

func main() {
	// A work horse of the isolated worker is this program started again
	// with the same arguments: it must serve jobs before doing anything.
	rqlite.ServeHorseIfChild(nil)
	rqlite.SilenceRedisLogs()

	var c config
	flag.StringVar(&c.url, "url", "redis://127.0.0.1:6379/15", "Redis URL; its database is FLUSHED")
	flag.IntVar(&c.n, "n", 0, "jobs per throughput figure (default 20000, or 2000 with -quick); Python RQ gets N/10")
	flag.BoolVar(&c.quick, "quick", false, "a short smoke run: small N, without Python RQ")
	flag.BoolVar(&c.scale, "scale", false, "also measure with 1,000,000 jobs queued (takes a while)")
	flag.BoolVar(&c.jsonOut, "json", false, "print one JSON object instead of the table")
	flag.StringVar(&c.plot, "plot", "", "write a PNG plot of throughput against concurrency to this file")
	flag.StringVar(&c.out, "o", "", "also write the table to BASE.txt and the JSON to BASE.json")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "the Python 3 that has Debian's python3-rq")
	flag.IntVar(&c.repeat, "repeat", 1, "measure each throughput K times and keep the median")
	flag.StringVar(&c.from, "from", "", "measure nothing: report the results saved in this JSON file (with -json, -o, -plot)")
	only := flag.String("only", "", "measure only the figures whose name matches this regular expression")
	flag.Parse()
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: invalid -only %q: %v\n", *only, err)
			os.Exit(2)
		}
		c.only = re
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if c.n == 0 {
		c.n = 20000
		if c.quick {
			c.n = 2000
		}
	}
	if c.n < 100 {
		fmt.Fprintln(os.Stderr, "bench: -n must be at least 100")
		os.Exit(2)
	}
	if c.from != "" {
		os.Exit(report(&c))
	}
	os.Exit(run(&c))
}

// report prints (and writes, and plots) the results saved in c.from.
func report(c *config) int {
	data, err := os.ReadFile(c.from)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", c.from, err)
		return 1
	}
	r.Targets = evaluate(&r)
	return output(c, &r)
}

// run makes every measurement and prints the results; it returns the exit
// status.
func run(c *config) int {
	ctx := context.Background()
	start := time.Now()
	opts, err := redis.ParseURL(c.url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: invalid -url: %v\n", err)
		return 2
	}
	rdb, err := rqlite.Connect(ctx, c.url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	defer rdb.Close()
	e := &env{ctx: ctx, cfg: c, rdb: rdb, opts: opts, progress: os.Stderr}
	r := &Results{
		N:         c.n,
		Quick:     c.quick,
		Scale:     c.scale,
		Repeat:    max(c.repeat, 1),
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:      runtime.NumCPU(),
		Redis:     redisVersion(ctx, rdb),
		Asynq:     asynqVersion(),
	}
	defer e.removeHelpers()
	e.measure(r)
	if err := e.flush(); err != nil {
		e.fail("final FLUSHDB", err)
	}
	r.Targets = evaluate(r)
	r.Seconds = round(time.Since(start).Seconds(), 1)
	e.logf("done in %.1f s", r.Seconds)
	status := output(c, r)
	if e.failed > 0 {
		fmt.Fprintf(os.Stderr, "bench: %d measurement(s) failed; see above\n", e.failed)
		return 1
	}
	return status
}

// output prints the results as a table or JSON, and writes the files that
// -o and -plot ask for.
func output(c *config, r *Results) int {
	status := 0
	table := renderTable(r)
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err) // only plain values
	}
	js = append(js, '\n')
	if c.jsonOut {
		os.Stdout.Write(js)
	} else {
		io.WriteString(os.Stdout, table)
	}
	if c.out != "" {
		for _, f := range []struct {
			name string
			data []byte
		}{{c.out + ".txt", []byte(table)}, {c.out + ".json", js}} {
			if err := os.WriteFile(f.name, f.data, 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "bench: %v\n", err)
				status = 1
			}
		}
	}
	if c.plot != "" {
		if err := drawPlot(r, c.plot); err != nil {
			fmt.Fprintf(os.Stderr, "bench: plot: %v\n", err)
			status = 1
		}
	}
	return status
}

// redisVersion reads the server's version from INFO server.
func redisVersion(ctx context.Context, rdb *redis.Client) string {
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v
		}
	}
	return "?"
}
