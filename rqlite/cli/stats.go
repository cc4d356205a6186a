package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// statsOptions are the flags of rq stats.
type statsOptions struct {
	json, yaml bool
	interval   intervalValue
}

// newStatsCommand returns `rq stats`, django-rq's rqstats.
func newStatsCommand(g *globalOptions) *cobra.Command {
	var o statsOptions
	cmd := &cobra.Command{
		Use:   "stats [QUEUE...]",
		Short: "Show the statistics of the queues, as django-rq's rqstats",
		Long: `Show, for each queue, its waiting jobs, the sizes of its registries and its
workers, as django-rq's rqstats. The queues are those named, else those of the
configuration file (-c) in its order, else every queue known to Redis.

The registries are cleaned first, as RQ does when it counts them.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStats(cmd.Context(), cmd.OutOrStdout(), g, args, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.json, "json", "j", false, "print the statistics as one line of JSON")
	f.BoolVarP(&o.yaml, "yaml", "y", false, "print the statistics as YAML")
	f.VarP(&o.interval, "interval", "i", "redraw the table every N seconds until Ctrl-C")
	return cmd
}

func runStats(ctx context.Context, out io.Writer, g *globalOptions, args []string, o statsOptions) error {
	if o.json && o.yaml {
		return errors.New("--json and --yaml cannot be used together")
	}
	if o.interval > 0 && (o.json || o.yaml) {
		return errors.New("--interval redraws the table: it cannot be used with --json or --yaml")
	}
	s, err := g.open()
	if err != nil {
		return err
	}
	defer s.close()
	names, err := s.queueNames(ctx, args)
	if err != nil {
		return err
	}
	switch {
	case o.json:
		return printStatsJSON(ctx, out, s, names)
	case o.yaml:
		return printStatsYAML(ctx, out, s, names)
	}
	return redrawEvery(ctx, out, o.interval, func(ctx context.Context, w io.Writer) error {
		rows, err := gatherStats(ctx, s, names)
		if err != nil {
			return err
		}
		printStatsTable(w, rows)
		if o.interval > 0 {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "Press 'Ctrl+c' to quit")
		}
		return nil
	}, nil)
}

// queueRow is one queue of rq stats: its statistics and where it lives.
type queueRow struct {
	index int
	stats rqlite.QueueStats
	conn  connKwargs
}

// connKwargs is where a queue's Redis is, as django-rq shows it (redis-py's
// connection_kwargs), never with the password.
type connKwargs struct {
	DB          int      `json:"db"`
	Host        string   `json:"host,omitempty"`
	Path        string   `json:"path,omitempty"`
	Port        int      `json:"port,omitempty"`
	Username    string   `json:"username,omitempty"`
	ServiceName string   `json:"service_name,omitempty"` // the Sentinel master's name
	Sentinels   []string `json:"sentinels,omitempty"`
}

func (k connKwargs) asMap() map[string]any {
	m := map[string]any{"db": k.DB}
	switch {
	case k.ServiceName != "":
		m["service_name"] = k.ServiceName
		m["sentinels"] = k.Sentinels
	case k.Path != "":
		m["path"] = k.Path
	default:
		m["host"] = k.Host
		m["port"] = k.Port
	}
	if k.Username != "" {
		m["username"] = k.Username
	}
	return m
}

// gatherStats reads the statistics of the named queues.
func gatherStats(ctx context.Context, s *session, names []string) ([]queueRow, error) {
	rows := make([]queueRow, 0, len(names))
	for i, name := range names {
		q, err := s.queue(ctx, name)
		if err != nil {
			return nil, err
		}
		st, err := q.Stats(ctx)
		if err != nil {
			return nil, err
		}
		conn, err := s.queueConfig(name).Connection(s.g.url)
		if err != nil {
			return nil, err
		}
		if sen := conn.Sentinel; sen != nil {
			k := connKwargs{DB: sen.DB, Username: sen.Username, ServiceName: sen.MasterName, Sentinels: sen.SentinelAddrs}
			rows = append(rows, queueRow{index: i, stats: st, conn: k})
			continue
		}
		opts := conn.Server
		k := connKwargs{DB: opts.DB, Username: opts.Username}
		if opts.Network == "unix" {
			k.Path = opts.Addr
		} else {
			host, port, err := net.SplitHostPort(opts.Addr)
			if err != nil {
				host = opts.Addr
			}
			k.Host = host
			k.Port, _ = strconv.Atoi(port)
		}
		rows = append(rows, queueRow{index: i, stats: st, conn: k})
	}
	return rows, nil
}

// oldestJob formats the enqueue time of a queue's oldest job as django-rq
// does (in UTC, Django's default without time zone support), or "-".
func oldestJob(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02, 15:04:05")
}

// statsRowFormat is one line of the table of django-rq's rqstats.
const statsRowFormat = "| %-15s|%10s |%10s |%10s |%10s |%10s |%10s |\n"

func printStatsTable(w io.Writer, rows []queueRow) {
	sep := strings.Repeat("-", 90)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "RQ CLI Dashboard")
	fmt.Fprintln(w)
	fmt.Fprintln(w, sep)
	fmt.Fprintf(w, statsRowFormat, "Name", "Queued", "Active", "Deferred", "Finished", "Failed", "Workers")
	fmt.Fprintln(w, sep)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, r := range rows {
		st := r.stats
		fmt.Fprintf(w, statsRowFormat, st.Name, n(st.Jobs), n(st.Started), n(st.Deferred),
			n(st.Finished), n(st.Failed), n(st.Workers))
	}
	fmt.Fprintln(w, sep)
}

// statsJSON is django-rq's get_statistics, with its keys in its order.
type statsJSON struct {
	Queues []queueJSON `json:"queues"`
}

type queueJSON struct {
	Name               string     `json:"name"`
	Jobs               int64      `json:"jobs"`
	OldestJobTimestamp string     `json:"oldest_job_timestamp"`
	Index              int        `json:"index"`
	ConnectionKwargs   connKwargs `json:"connection_kwargs"`
	// SchedulerPID is django-rq 3's scheduler_pid, which its 2.x (RQ
	// 1.13's) lacks: set, to a number or null, with --rq2 only.
	SchedulerPID  json.RawMessage `json:"scheduler_pid,omitempty"`
	Workers       int64           `json:"workers"`
	FinishedJobs  int64           `json:"finished_jobs"`
	StartedJobs   int64           `json:"started_jobs"`
	DeferredJobs  int64           `json:"deferred_jobs"`
	FailedJobs    int64           `json:"failed_jobs"`
	ScheduledJobs int64           `json:"scheduled_jobs"`
}

func printStatsJSON(ctx context.Context, out io.Writer, s *session, names []string) error {
	rows, err := gatherStats(ctx, s, names)
	if err != nil {
		return err
	}
	v := statsJSON{Queues: make([]queueJSON, len(rows))}
	for i, r := range rows {
		st := r.stats
		var pid json.RawMessage
		if s.g.rq2 {
			if pid, err = schedulerPID(ctx, s, st.Name); err != nil {
				return err
			}
		}
		v.Queues[i] = queueJSON{
			SchedulerPID:       pid,
			Name:               st.Name,
			Jobs:               st.Jobs,
			OldestJobTimestamp: oldestJob(st.OldestJobEnqueuedAt),
			Index:              r.index,
			ConnectionKwargs:   r.conn,
			Workers:            st.Workers,
			FinishedJobs:       st.Finished,
			StartedJobs:        st.Started,
			DeferredJobs:       st.Deferred,
			FailedJobs:         st.Failed,
			ScheduledJobs:      st.Scheduled,
		}
	}
	b, err := rqlite.JSON.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}

// schedulerPID is the PID that queue name's scheduler lock holds, as
// django-rq 3's get_scheduler_pid reads it: a number, or null when no
// scheduler holds the lock (or its value is not a number).
func schedulerPID(ctx context.Context, s *session, name string) (json.RawMessage, error) {
	rdb, err := s.client(ctx, name)
	if err != nil {
		return nil, err
	}
	v, err := rdb.Get(ctx, keys.SchedulerLock(name)).Result()
	if errors.Is(err, redis.Nil) {
		return json.RawMessage("null"), nil
	}
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return json.RawMessage("null"), nil
	}
	return json.RawMessage(strconv.Itoa(n)), nil
}

func printStatsYAML(ctx context.Context, out io.Writer, s *session, names []string) error {
	rows, err := gatherStats(ctx, s, names)
	if err != nil {
		return err
	}
	// Maps, so that the keys come out sorted, as PyYAML writes them.
	queues := make([]any, len(rows))
	for i, r := range rows {
		st := r.stats
		queues[i] = map[string]any{
			"name":                 st.Name,
			"jobs":                 st.Jobs,
			"oldest_job_timestamp": oldestJob(st.OldestJobEnqueuedAt),
			"index":                r.index,
			"connection_kwargs":    r.conn.asMap(),
			"workers":              st.Workers,
			"finished_jobs":        st.Finished,
			"started_jobs":         st.Started,
			"deferred_jobs":        st.Deferred,
			"failed_jobs":          st.Failed,
			"scheduled_jobs":       st.Scheduled,
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(map[string]any{"queues": queues}); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err = out.Write(buf.Bytes())
	return err
}

// intervalValue is the value of an --interval flag: a positive number of seconds,
// or 0 when the flag is not given.
type intervalValue float64

func (s *intervalValue) String() string {
	if *s == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(*s), 'g', -1, 64)
}

func (s *intervalValue) Set(v string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(f > 0) || f > math.MaxInt64/float64(time.Second) || time.Duration(f*float64(time.Second)) <= 0 {
		return errors.New("want a number of seconds greater than 0, such as 2 or 0.5")
	}
	*s = intervalValue(f)
	return nil
}

func (s *intervalValue) Type() string { return "seconds" }

func (s intervalValue) duration() time.Duration {
	return time.Duration(float64(s) * float64(time.Second))
}

// redrawEvery writes what draw writes once, or, with an interval, every
// interval until Ctrl-C (or SIGTERM, or the end of ctx), each time on a
// cleared screen when out is a terminal, as click.clear does. Each drawing
// is written at once, to keep the screen from flickering. On Ctrl-C it
// calls interrupted, if not nil, and returns nil.
func redrawEvery(ctx context.Context, out io.Writer, interval intervalValue, draw func(context.Context, io.Writer) error, interrupted func(io.Writer)) error {
	if interval == 0 {
		var buf bytes.Buffer
		if err := draw(ctx, &buf); err != nil {
			return err
		}
		_, err := out.Write(buf.Bytes())
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	clearScreen := isTerminalWriter(out)
	for {
		var buf bytes.Buffer
		if clearScreen {
			buf.WriteString("\x1b[H\x1b[2J")
		}
		err := draw(ctx, &buf)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			return err
		}
		if _, err := out.Write(buf.Bytes()); err != nil {
			return err
		}
		t := time.NewTimer(interval.duration())
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	if interrupted != nil {
		interrupted(out)
	}
	return nil
}

// isTerminalWriter reports whether w is a terminal.
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
