package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// newLimitCommand returns `rq limit`, whose subcommands set, remove and
// list the concurrency limits.
func newLimitCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "limit",
		Short: "Set, remove and list concurrency limits of queues and tasks",
		Long: `A concurrency limit lets at most N jobs of a queue, or calling a task, run at
once across every rqlite worker of this Redis. Jobs held back wait first in
their queue. Python RQ's workers ignore the limits.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newLimitSetCommand(g), newLimitRemoveCommand(g), newLimitListCommand(g))
	return cmd
}

// limitTarget is the --queue or --task flag of a limit subcommand.
type limitTarget struct {
	queue, task string
}

func (t *limitTarget) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.queue, "queue", "", "the queue whose jobs the limit counts")
	cmd.Flags().StringVar(&t.task, "task", "", "the task (function name) whose jobs the limit counts, whatever their queue")
}

var errLimitTarget = errors.New("give --queue NAME or --task NAME, one of them")

// target is the kind and name of the limit the flags name.
func (t *limitTarget) target(cmd *cobra.Command) (rqlite.LimitKind, string, error) {
	q, k := cmd.Flags().Changed("queue"), cmd.Flags().Changed("task")
	switch {
	case q == k:
		return "", "", errLimitTarget
	case q && t.queue == "":
		return "", "", fmt.Errorf("invalid --queue %q: give the queue's name", t.queue)
	case k && t.task == "":
		return "", "", fmt.Errorf("invalid --task %q: give the task's name", t.task)
	case q:
		return rqlite.LimitQueue, t.queue, nil
	}
	return rqlite.LimitTask, t.task, nil
}

// newLimitSetCommand returns `rq limit set`.
func newLimitSetCommand(g *globalOptions) *cobra.Command {
	var t limitTarget
	cmd := &cobra.Command{
		Use:   "set (--queue NAME | --task NAME) N",
		Short: "Let at most N jobs of a queue or task run at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, name, err := t.target(cmd)
			if err != nil {
				return err
			}
			n, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || n < 1 || n > rqlite.MaxConcurrencyLimit {
				return fmt.Errorf("invalid limit %q: it must be a whole number from 1 to %d", args[0], int64(rqlite.MaxConcurrencyLimit))
			}
			err = g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) error {
				return rqlite.SetConcurrencyLimit(cmd.Context(), rdb, kind, name, n)
			})
			if err != nil {
				return err
			}
			jobs := "jobs"
			if n == 1 {
				jobs = "job"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "At most %d %s of %s %s will run at once.\n", n, jobs, kind, name)
			return nil
		},
	}
	t.flags(cmd)
	return cmd
}

// newLimitRemoveCommand returns `rq limit remove`.
func newLimitRemoveCommand(g *globalOptions) *cobra.Command {
	var t limitTarget
	cmd := &cobra.Command{
		Use:   "remove (--queue NAME | --task NAME)",
		Short: "Remove the concurrency limit of a queue or task",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kind, name, err := t.target(cmd)
			if err != nil {
				return err
			}
			var removed bool
			err = g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) (err error) {
				removed, err = rqlite.RemoveConcurrencyLimit(cmd.Context(), rdb, kind, name)
				return err
			})
			if err != nil {
				return err
			}
			if !removed {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s had no concurrency limit.\n", kind, name)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed the concurrency limit of %s %s.\n", kind, name)
			return nil
		},
	}
	t.flags(cmd)
	return cmd
}

// newLimitListCommand returns `rq limit list`.
func newLimitListCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"show"},
		Short:   "List the concurrency limits, with the slots in use",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var limits []rqlite.ConcurrencyLimit
			err := g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) (err error) {
				limits, err = rqlite.ConcurrencyLimits(cmd.Context(), rdb)
				return err
			})
			if err != nil {
				return err
			}
			printLimits(cmd.OutOrStdout(), limits)
			return nil
		},
	}
}

// printLimits writes one line per limit; a limit that workers ignore, as
// it is not a number, says so.
func printLimits(out io.Writer, limits []rqlite.ConcurrencyLimit) {
	if len(limits) == 0 {
		fmt.Fprintln(out, "No concurrency limits.")
		return
	}
	for _, l := range limits {
		if l.Max == 0 {
			fmt.Fprintf(out, "%s %s: %q is not a whole number from 1 to %d, ignored; %d running\n",
				l.Kind, quoteName(l.Name), cut(l.Value, 40), int64(rqlite.MaxConcurrencyLimit), l.InUse)
			continue
		}
		fmt.Fprintf(out, "%s %s: %d of %d running\n", l.Kind, quoteName(l.Name), l.InUse, l.Max)
	}
}

// quoteName quotes a name read from Redis when it holds anything but
// printable characters other than space.
func quoteName(s string) string {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || !strconv.IsPrint(r) {
			return strconv.Quote(cut(s, 200))
		}
	}
	return cut(s, 200)
}

// cut shortens s to n bytes, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
