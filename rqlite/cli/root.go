// Package cli is the library behind the rq command: a cobra command tree
// that any program can run, typically after importing the packages that
// register its tasks, so that workers started by it know those tasks.
//
// Each subcommand lives in a file of its own (devserver.go for rq dev-server)
// and is added to the tree by [New].
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// globalOptions holds the values of the flags shared by all subcommands.
// To add a subcommand, write newXxxCommand(g *globalOptions) *cobra.Command
// in a file of its own and add it to the AddCommand call of New; it reads the
// global flags from g when it runs.
type globalOptions struct {
	// url is the Redis URL (-u, --url).
	url string
	// config is the path of a YAML queue configuration (-c, --config).
	config string
	// serializer names the job serializer (-S, --serializer).
	serializer string
	// rq2 selects RQ 2.x's layout (--rq2).
	rq2 bool
	// limits are the decoding limits (--max-decompressed, --max-depth,
	// --max-items).
	limits rqlite.Limits
}

// New returns the root rq command with all its subcommands. Programs may add
// commands of their own to it before running it.
func New() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:           "rq",
		Short:         "rq: command-line tool of rqlite, a Go port of Python RQ",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return applyLimits(g.limits)
		},
	}
	flags := root.PersistentFlags()
	flags.StringVarP(&g.url, "url", "u", envOr("REDIS_URL", rqlite.DefaultURL),
		"Redis URL, redis://[:password@]host:port/db; REDIS_URL sets the default")
	// Help shows the default; keep a password from REDIS_URL out of it.
	flags.Lookup("url").DefValue = rqlite.RedactURL(g.url)
	flags.StringVarP(&g.config, "config", "c", "", "path of a YAML queue configuration file")
	flags.BoolVar(&g.rq2, "rq2", false, "write RQ 2.x's layout (execution keys, composite started entries), for a Redis shared with RQ 2.x")
	flags.StringVarP(&g.serializer, "serializer", "S", "json", "job serializer: json or pickle (RQ's default), as the other programs that share the queues")
	addLimitFlags(flags, &g.limits)

	root.AddCommand(
		newDevServerCommand(g),
		newEnqueueCommand(g),
		newEmptyCommand(g),
		newRequeueCommand(g),
		newStatsCommand(g),
		newInfoCommand(g),
		newSchedulerCommand(g),
		newCancelCommand(g),
		newStopCommand(g),
		newShutdownCommand(g),
		newKillHorseCommand(g),
		newWorkerCommand(g),
		newWorkerPoolCommand(g),
		newSuspendCommand(g),
		newResumeCommand(g),
		newResetCommand(g),
		newDashboardCommand(g),
		newCronCommand(g),
		newLimitCommand(g),
	)
	return root
}

// Main runs the rq command with the program's arguments and returns its exit
// status: 0 on success, 1 after printing the error as one line to stderr.
func Main() int {
	// A work horse of an isolated worker (rq worker --isolated) is this
	// program started again: it runs jobs, not the command line.
	rqlite.ServeHorseIfChild(nil)
	return run(os.Args[1:], os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		// A failure is reported as one line, never as a stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "Error: internal error: %s\n", oneLine(fmt.Sprint(r)))
			status = 1
		}
	}()
	rqlite.SilenceRedisLogs() // errors are reported once, as one line
	root := New()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintf(stderr, "Error: %s\n", oneLine(err.Error()))
		return 1
	}
	return 0
}

// oneLine puts a message on a single line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// listenError says that a server cannot listen on addr, and why; when the
// address is taken, inUse says what to do.
func listenError(addr string, err error, inUse string) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		err = opErr.Err
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("cannot listen on %s: %v (%s)", addr, err, inUse)
	}
	return fmt.Errorf("cannot listen on %s: %v", addr, err)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
