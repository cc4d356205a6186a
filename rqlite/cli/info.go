package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// infoOptions are the flags of rq info.
type infoOptions struct {
	interval    intervalValue
	raw         bool
	onlyQueues  bool
	onlyWorkers bool
	byQueue     bool
}

// newInfoCommand returns `rq info`, RQ's command-line monitor.
func newInfoCommand(g *globalOptions) *cobra.Command {
	var o infoOptions
	cmd := &cobra.Command{
		Use:   "info [QUEUE...]",
		Short: "Show the queues and the workers, as RQ's rq info",
		Long: `Show the number of jobs waiting in each queue and the workers listening on
them, as RQ's rq info. Without queue names, every queue known to Redis is shown.

The registries of the queues are cleaned first, and workers that died without
deregistering are forgotten, as RQ does.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInfo(cmd.Context(), cmd.OutOrStdout(), g, args, o)
		},
	}
	f := cmd.Flags()
	f.VarP(&o.interval, "interval", "i", "update every N seconds until Ctrl-C (default: once)")
	f.BoolVarP(&o.raw, "raw", "r", false, "print only the raw numbers, no bar charts")
	f.BoolVarP(&o.onlyQueues, "only-queues", "Q", false, "show only the queues")
	f.BoolVarP(&o.onlyWorkers, "only-workers", "W", false, "show only the workers")
	f.BoolVarP(&o.byQueue, "by-queue", "R", false, "show the workers of each queue")
	return cmd
}

// infoQueue is a queue shown by rq info, with the client of its Redis.
type infoQueue struct {
	q   *rqlite.Queue
	rdb *redis.Client
}

func runInfo(ctx context.Context, out io.Writer, g *globalOptions, args []string, o infoOptions) error {
	s, err := g.open()
	if err != nil {
		return err
	}
	defer s.close()
	v := infoView{opts: o, p: painter{on: isTerminalWriter(out) && os.Getenv("NO_COLOR") == ""}}
	if v.queues, err = openInfoQueues(ctx, s, args); err != nil {
		return err
	}
	// As RQ: clean the registries and forget the dead workers, once.
	for _, iq := range v.queues {
		if err := iq.clean(ctx); err != nil {
			return err
		}
	}
	// With no queue at all, the workers are read from the default Redis.
	if len(v.queues) == 0 && !o.onlyQueues {
		if v.defaultClient, err = s.client(ctx, rqlite.DefaultQueue); err != nil {
			return err
		}
	}
	// On Ctrl-C RQ ends the line it may be on.
	return redrawEvery(ctx, out, o.interval, v.draw, func(w io.Writer) { fmt.Fprintln(w) })
}

// openInfoQueues opens the queues named, or every queue of the default
// Redis when none is, sorted.
func openInfoQueues(ctx context.Context, s *session, names []string) ([]infoQueue, error) {
	if len(names) == 0 {
		c, err := s.client(ctx, rqlite.DefaultQueue)
		if err != nil {
			return nil, err
		}
		if names, err = rqlite.AllQueues(ctx, c); err != nil {
			return nil, err
		}
		sort.Strings(names)
	}
	queues := make([]infoQueue, len(names))
	for i, name := range names {
		q, err := s.queue(ctx, name)
		if err != nil {
			return nil, err
		}
		c, err := s.client(ctx, name)
		if err != nil {
			return nil, err
		}
		queues[i] = infoQueue{q: q, rdb: c}
	}
	return queues, nil
}

// clean cleans the registries of the queue and forgets its dead workers.
func (iq infoQueue) clean(ctx context.Context) error {
	for _, kind := range []rqlite.RegistryKind{rqlite.Finished, rqlite.Started, rqlite.Failed} {
		if err := iq.q.Registry(kind).Cleanup(ctx); err != nil {
			return err
		}
	}
	_, err := rqlite.Workers(ctx, iq.rdb, iq.q.Name)
	return err
}

// infoView is what rq info shows, drawn once or at each interval.
type infoView struct {
	opts          infoOptions
	p             painter
	queues        []infoQueue
	defaultClient *redis.Client // where the workers are read with no queue
}

// draw writes the queues, the workers or both, as the flags ask.
func (v infoView) draw(ctx context.Context, w io.Writer) error {
	switch {
	case v.opts.onlyQueues:
		return showQueues(ctx, w, v.p, v.queues, v.opts.raw)
	case v.opts.onlyWorkers:
		return v.showWorkers(ctx, w)
	}
	if err := showQueues(ctx, w, v.p, v.queues, v.opts.raw); err != nil {
		return err
	}
	if !v.opts.raw {
		fmt.Fprintln(w)
	}
	if err := v.showWorkers(ctx, w); err != nil {
		return err
	}
	if !v.opts.raw {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Updated: %s\n", pythonNow(time.Now()))
	}
	return nil
}

// showQueues writes the queues with their sizes, as RQ's show_queues.
func showQueues(ctx context.Context, w io.Writer, p painter, queues []infoQueue, raw bool) error {
	counts := make([]int64, len(queues))
	var maxCount, total int64
	for i, iq := range queues {
		n, err := iq.q.Count(ctx)
		if err != nil {
			return err
		}
		counts[i] = n
		maxCount = max(maxCount, n)
	}
	ratio := float64(chartWidth()) * 1.0 / float64(chartScale(maxCount))
	for i, iq := range queues {
		n := counts[i]
		if raw {
			fmt.Fprintf(w, "queue %s %d\n", iq.q.Name, n)
		} else {
			bar := "|" + strings.Repeat("█", max(0, int(ratio*float64(n))))
			fmt.Fprintf(w, "%-12s %s %d\n", iq.q.Name, p.paint(color.FgGreen, bar), n)
		}
		total += n
	}
	if !raw {
		fmt.Fprintf(w, "%d queues, %d jobs total\n", len(queues), total)
	}
	return nil
}

// chartWidth is the longest bar of rq info: 20 characters, less on a
// terminal narrower than 40 columns (COLUMNS, as Python reads it).
func chartWidth() int {
	cols := 80
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		cols = n
	}
	return min(20, cols-20)
}

// chartScale is RQ's get_scale: the smallest of its scales that is at least
// n, or n beyond them.
func chartScale(n int64) int64 {
	for _, s := range []int64{20, 50, 100, 200, 400, 600, 800, 1000} {
		if n <= s {
			return s
		}
	}
	return n
}

// showWorkers writes the workers of the queues (of every queue when there
// are none), as RQ's show_workers.
func (v infoView) showWorkers(ctx context.Context, w io.Writer) error {
	workers, perQueue, err := v.workers(ctx)
	if err != nil {
		return err
	}
	if v.opts.byQueue {
		showWorkersByQueue(w, v.p, v.queues, perQueue)
	} else {
		for _, wi := range workers {
			name := fmt.Sprintf("%s (%s %s %s)", wi.Name, orNone(wi.Hostname), orNone(wi.IPAddress), pidString(wi.PID))
			queueNames := strings.Join(wi.Queues, ", ")
			if v.opts.raw {
				fmt.Fprintf(w, "worker %s %s %s\n", name, wi.State, queueNames)
			} else {
				fmt.Fprintf(w, "%s: %s %s\n", name, v.p.state(wi.State), queueNames)
			}
		}
	}
	if !v.opts.raw {
		fmt.Fprintf(w, "%d workers, %d queues\n", len(workers), len(v.queues))
	}
	return nil
}

// workers reads the workers of each queue, and all of them once each,
// sorted by name; with no queues, all the workers of the default Redis.
func (v infoView) workers(ctx context.Context) (all []rqlite.WorkerInfo, perQueue [][]rqlite.WorkerInfo, err error) {
	if len(v.queues) == 0 {
		ws, err := rqlite.Workers(ctx, v.defaultClient, "")
		if err != nil {
			return nil, nil, err
		}
		return uniqueByName(ws), nil, nil
	}
	perQueue = make([][]rqlite.WorkerInfo, len(v.queues))
	for i, iq := range v.queues {
		if perQueue[i], err = rqlite.Workers(ctx, iq.rdb, iq.q.Name); err != nil {
			return nil, nil, err
		}
	}
	return uniqueByName(slices.Concat(perQueue...)), perQueue, nil
}

// uniqueByName returns the workers once each, sorted by name.
func uniqueByName(ws []rqlite.WorkerInfo) []rqlite.WorkerInfo {
	seen := map[string]bool{}
	var out []rqlite.WorkerInfo
	for _, wi := range ws {
		if !seen[wi.Name] {
			seen[wi.Name] = true
			out = append(out, wi)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// showWorkersByQueue writes each queue with its workers (rq info -R).
func showWorkersByQueue(w io.Writer, p painter, queues []infoQueue, perQueue [][]rqlite.WorkerInfo) {
	width := 0
	for _, iq := range queues {
		width = max(width, len([]rune(iq.q.Name)))
	}
	for i, iq := range queues {
		list := "–"
		if len(perQueue[i]) > 0 {
			items := make([]string, len(perQueue[i]))
			for j, wi := range perQueue[i] { // sorted by name
				items[j] = fmt.Sprintf("%s (%s)", wi.Name, p.state(wi.State))
			}
			list = strings.Join(items, ", ")
		}
		fmt.Fprintf(w, "%-*s %s\n", width+1, iq.q.Name+":", list)
	}
}

// orNone shows a missing value as Python shows None.
func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

func pidString(pid int) string {
	if pid == 0 {
		return "None"
	}
	return strconv.Itoa(pid)
}

// pythonNow formats t as Python's str(datetime.now()): microseconds, left
// out when they are zero.
func pythonNow(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// painter colours text, or leaves it alone when on is false.
type painter struct{ on bool }

func (p painter) paint(attr color.Attribute, s string) string {
	if !p.on {
		return s
	}
	c := color.New(attr)
	c.EnableColor()
	return c.Sprint(s)
}

// state colours a worker state as RQ's state_symbol.
func (p painter) state(s string) string {
	switch s {
	case "busy":
		return p.paint(color.FgRed, s)
	case "idle":
		return p.paint(color.FgGreen, s)
	case "suspended":
		return p.paint(color.FgYellow, s)
	}
	return s
}
