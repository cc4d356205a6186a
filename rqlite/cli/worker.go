package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lestrrat-go/strftime"
	"github.com/mattn/go-isatty"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// workerFlags are the options rq worker and rq worker-pool share.
type workerFlags struct {
	burst        bool
	name         string
	maxJobs      int
	resultsTTL   string
	workerTTL    string
	monitoring   string
	quiet        bool
	verbose      bool
	loggingLevel string
	dateFormat   string
	scheduler    bool
	isolated     bool

	// RQ 1.14+.
	dequeueStrategy   string
	maxIdleTime       int
	maintenance       string
	exceptionHandlers []string
}

func (f *workerFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.BoolVarP(&f.burst, "burst", "b", false, "run in burst mode: quit once the queues are empty")
	fs.IntVar(&f.maxJobs, "max-jobs", 0, "quit after this many jobs (0: no limit)")
	fs.StringVar(&f.resultsTTL, "results-ttl", "500", "default result TTL of jobs that set none, in seconds (-1: for ever, 0: discard)")
	fs.StringVar(&f.workerTTL, "worker-ttl", "420", "worker key TTL, in seconds")
	fs.StringVar(&f.monitoring, "job-monitoring-interval", "30", "how often to refresh a running job's heartbeat, in seconds")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "show less output (warnings and errors)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "show more output (debug messages)")
	fs.StringVar(&f.loggingLevel, "logging_level", "INFO", "log level: DEBUG, INFO, WARNING or ERROR")
	fs.StringVar(&f.dateFormat, "date-format", "%H:%M:%S", "strftime format of the time at the start of each log line")
	fs.BoolVarP(&f.scheduler, "with-scheduler", "s", false, "also queue the scheduled jobs of these queues when their time comes")
	fs.BoolVar(&f.isolated, "isolated", false, "run each job in a child process that is killed at the timeout (RQ's forking worker)")
	fs.StringVar(&f.dequeueStrategy, "dequeue-strategy", "default", "order of the queues for each job: default (priority), round_robin or random")
	fs.IntVar(&f.maxIdleTime, "max-idle-time", 0, "quit after waiting this many seconds without a job (0: never)")
	fs.StringVar(&f.maintenance, "maintenance-interval", "600", "how often to clean the queues' registries, in seconds")
	fs.StringArrayVar(&f.exceptionHandlers, "exception-handler", nil, "call the exception handler registered in the program under this name when a job fails (repeatable; in order)")
}

// options turns the flags into rqlite.WorkerOptions.
func (f *workerFlags) options(s *session) (*rqlite.WorkerOptions, error) {
	if f.maxJobs < 0 {
		return nil, fmt.Errorf("invalid --max-jobs %d: it must be 0 or more", f.maxJobs)
	}
	level, err := rqlite.ParseLogLevel(f.loggingLevel)
	if err != nil {
		return nil, err
	}
	switch {
	case f.quiet && f.verbose:
		return nil, fmt.Errorf("--quiet and --verbose cannot go together")
	case f.quiet:
		level = rqlite.LevelWarning
	case f.verbose:
		level = rqlite.LevelDebug
	}
	format, err := strftime.New(f.dateFormat, strftime.WithMicroseconds('f'))
	if err != nil {
		return nil, fmt.Errorf("invalid --date-format %q: %v", f.dateFormat, err)
	}
	o := &rqlite.WorkerOptions{
		Name:          f.name,
		Burst:         f.burst,
		MaxJobs:       f.maxJobs,
		Serializer:    s.ser,
		Logger:        &rqlite.Logger{Level: level, FormatTime: format.FormatString},
		WithScheduler: f.scheduler,
		Isolated:      f.isolated,
		RQ2:           s.g.rq2,
	}
	if o.ResultTTL, err = durationFlag("--results-ttl", f.resultsTTL, true); err != nil {
		return nil, err
	}
	if o.WorkerTTL, err = durationFlag("--worker-ttl", f.workerTTL, false); err != nil || o.WorkerTTL < 0 {
		return nil, fmt.Errorf("invalid --worker-ttl %q: use a positive number of seconds", f.workerTTL)
	}
	if o.JobMonitoringInterval, err = durationFlag("--job-monitoring-interval", f.monitoring, false); err != nil || o.JobMonitoringInterval < 0 {
		return nil, fmt.Errorf("invalid --job-monitoring-interval %q: use a positive number of seconds", f.monitoring)
	}
	if err := f.newOptions(o); err != nil {
		return nil, err
	}
	return o, nil
}

// newOptions sets the options RQ added after 1.13.
func (f *workerFlags) newOptions(o *rqlite.WorkerOptions) (err error) {
	if o.DequeueStrategy, err = rqlite.ParseDequeueStrategy(f.dequeueStrategy); err != nil {
		return err
	}
	if f.maxIdleTime < 0 {
		return fmt.Errorf("invalid --max-idle-time %d: it must be 0 or more", f.maxIdleTime)
	}
	o.MaxIdleTime = time.Duration(f.maxIdleTime) * time.Second
	if o.MaintenanceInterval, err = durationFlag("--maintenance-interval", f.maintenance, false); err != nil || o.MaintenanceInterval < 0 {
		return fmt.Errorf("invalid --maintenance-interval %q: use a positive number of seconds", f.maintenance)
	}
	if len(f.exceptionHandlers) > 0 {
		o.ExceptionHandlers, err = rqlite.DefaultTasks.ExceptionHandlers(f.exceptionHandlers...)
	}
	return err
}

// durationFlag reads a duration flag as RQ's parse_timeout: "-1" is
// Forever; "0" is Discard where that makes sense, an error elsewhere.
func durationFlag(name, v string, zeroDiscards bool) (time.Duration, error) {
	d, err := rqlite.ParseTimeout(v)
	if err != nil {
		return 0, fmt.Errorf("invalid %s %q: use whole seconds or digits with a unit d, h, m or s", name, v)
	}
	switch {
	case d == 0 && zeroDiscards:
		return rqlite.Discard, nil
	case d == 0:
		return 0, fmt.Errorf("invalid %s %q: it must not be 0", name, v)
	case d < 0 && d != rqlite.Forever:
		return 0, fmt.Errorf("invalid %s %q: use -1 for no limit", name, v)
	}
	return d, nil
}

// newWorkerCommand returns `rq worker`.
func newWorkerCommand(g *globalOptions) *cobra.Command {
	f := &workerFlags{}
	cmd := &cobra.Command{
		Use:   "worker [QUEUES...]",
		Short: "Start a worker on the given queues, in priority order",
		Long: `Start a worker that takes jobs from the given queues (default: "default"), always
from the first queue that has any, and runs them one at a time, as RQ's
rq worker. The first Ctrl-C (SIGINT or SIGTERM) lets the running job finish
and quits; a second one stops the job, which is marked failed.`,
		Example: "  rq worker high default low\n  rq worker --burst high default low",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWorkers(cmd.Context(), g, f, args, 0)
		},
	}
	cmd.Flags().StringVarP(&f.name, "name", "n", "", "worker name (default: a random one)")
	f.add(cmd)
	return cmd
}

// newWorkerPoolCommand returns `rq worker-pool`.
func newWorkerPoolCommand(g *globalOptions) *cobra.Command {
	f := &workerFlags{}
	var n int
	cmd := &cobra.Command{
		Use:   "worker-pool [QUEUES...]",
		Short: "Start N workers in one process",
		Long: `Start N workers in one process, each registered under its own name and each
running one job at a time: N jobs at once, with RQ's model of a worker.`,
		Example: "  rq worker-pool -n 4 high default low",
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 1 {
				return fmt.Errorf("invalid --num-workers %d: it must be at least 1", n)
			}
			return runWorkers(cmd.Context(), g, f, args, n)
		},
	}
	cmd.Flags().IntVarP(&n, "num-workers", "n", 2, "number of workers")
	cmd.Flags().StringVar(&f.name, "name", "", "prefix of the workers' names (default: random names)")
	f.add(cmd)
	return cmd
}

// runWorkers runs one worker (pool == 0) or a pool of them.
func runWorkers(ctx context.Context, g *globalOptions, f *workerFlags, queues []string, pool int) error {
	s, err := g.open()
	if err != nil {
		return err
	}
	defer s.close()
	if len(queues) == 0 {
		queues = []string{rqlite.DefaultQueue}
	}
	rdb, err := s.sharedClient(ctx, queues)
	if err != nil {
		return err
	}
	o, err := f.options(s)
	if err != nil {
		return err
	}
	if err := rqlite.CleanupGhostWorkers(ctx, rdb); err != nil {
		return err
	}
	if suspended, err := rqlite.Suspended(ctx, rdb); err != nil {
		return err
	} else if suspended && !f.burst {
		return fmt.Errorf(`RQ is currently suspended, to resume job execution run "rq resume"`)
	}
	if f.burst {
		if stop := burstProgress(rdb, queues, o); stop != nil {
			defer stop()
		}
	}
	if pool == 0 {
		w, err := rqlite.NewWorker(rdb, queues, o)
		if err != nil {
			return err
		}
		return w.Run(ctx)
	}
	p, err := rqlite.NewWorkerPool(rdb, queues, pool, o)
	if err != nil {
		return err
	}
	return p.Run(ctx)
}

// burstProgress shows a bar of the jobs of a burst on the last line of the
// terminal, below the log, and sets o.JobDone to advance it. It returns the
// function that removes the bar, or nil if there is none: when standard
// output and standard error are not both the terminal (a bar beside output
// that goes elsewhere, through tee say, would mix with it again), with
// NO_COLOR or TERM=dumb set, when no job waits, or where they cannot be
// captured (see progress.go).
func burstProgress(rdb redis.UniversalClient, queues []string, o *rqlite.WorkerOptions) (stop func()) {
	if !isTerminal(os.Stderr) || !isTerminal(os.Stdout) || !sameFile(os.Stdout, os.Stderr) ||
		os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return nil
	}
	total := waitingJobs(rdb, queues)
	if total == 0 {
		return nil
	}
	bar := newBurstBar(total)
	var screen *statusScreen
	restore := captureOutput(func(term *os.File, width func() int) *statusScreen {
		screen = &statusScreen{term: term, width: width, status: bar.line}
		return screen
	})
	if restore == nil {
		return nil
	}
	if o.Logger != nil && o.Logger.Color == 0 {
		// The log goes to the pipe now: colour it as for the terminal.
		o.Logger.Color = 1
		if _, ok := os.LookupEnv("NO_COLOR"); ok {
			o.Logger.Color = -1
		}
	}
	o.JobDone = func(string, rqlite.Status) {
		bar.jobDone(waitingJobs(rdb, queues))
		screen.Refresh()
	}
	screen.Refresh()
	stopClock := refreshEverySecond(screen) // for the clock of the bar
	return func() {
		stopClock()
		restore()
	}
}

// waitingJobs is the number of jobs waiting in the queues, those that
// could be counted within a second.
func waitingJobs(rdb redis.UniversalClient, queues []string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var n int64
	for _, q := range queues {
		c, _ := rqlite.NewQueue(q, rdb, nil).Count(ctx)
		n += c
	}
	return n
}

// refreshEverySecond redraws the screen every second until the function it
// returns is called, which returns once the redrawing has stopped.
func refreshEverySecond(screen *statusScreen) (stop func()) {
	tick := time.NewTicker(time.Second)
	quit := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for {
			select {
			case <-tick.C:
				screen.Refresh()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		tick.Stop()
		close(quit)
		<-ticked
	}
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// sameFile reports whether a and b are open on the same file.
func sameFile(a, b *os.File) bool {
	ia, err := a.Stat()
	if err != nil {
		return false
	}
	ib, err := b.Stat()
	return err == nil && os.SameFile(ia, ib)
}

// sharedClient returns the one Redis client of a worker's queues: a worker
// reads all its queues with one command, so they must share a server.
func (s *session) sharedClient(ctx context.Context, queues []string) (*redis.Client, error) {
	var first *redis.Client
	for _, q := range queues {
		if err := rqlite.ValidateQueueName(q); err != nil {
			return nil, err
		}
		c, err := s.client(ctx, q)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = c
		} else if c != first {
			return nil, fmt.Errorf("queues %s are not all on the same Redis: a worker needs them on one server", strings.Join(queues, ", "))
		}
	}
	return first, nil
}
