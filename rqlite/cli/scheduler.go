package cli

import (
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// newSchedulerCommand returns `rq scheduler`.
func newSchedulerCommand(g *globalOptions) *cobra.Command {
	var interval float64
	cmd := &cobra.Command{
		Use:   "scheduler [QUEUES...]",
		Short: "Queue scheduled jobs when their time comes",
		Long: `Run a scheduler: it queues the jobs scheduled with EnqueueAt, EnqueueIn,
rq enqueue --schedule-in/--schedule-at, or retried after an interval, when
their time comes. Per queue it takes RQ's scheduler lock, so that one
scheduler at a time (rqlite's or Python RQ's) serves a queue. With no queue
names it serves every queue that Redis knows of. Stop it with Ctrl-C.
rq worker --with-scheduler runs the same scheduler inside a worker.`,
		Example: "  rq scheduler\n  rq scheduler high default low",
		RunE: func(cmd *cobra.Command, args []string) error {
			if interval <= 0 {
				return fmt.Errorf("invalid --interval %v: it must be more than 0 seconds", interval)
			}
			s, err := g.open()
			if err != nil {
				return err
			}
			defer s.close()
			rdb, err := s.sharedClient(cmd.Context(), append([]string{rqlite.DefaultQueue}, args...))
			if err != nil {
				return err
			}
			sch, err := rqlite.NewScheduler(rdb, args, &rqlite.SchedulerOptions{
				Interval: time.Duration(interval * float64(time.Second)),
				RQ2:      g.rq2,
			})
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return sch.Run(ctx)
		},
	}
	cmd.Flags().Float64VarP(&interval, "interval", "i", 1, "seconds between two looks for due jobs")
	return cmd
}
