package cli

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// newCancelCommand returns `rq cancel`.
func newCancelCommand(g *globalOptions) *cobra.Command {
	var enqueueDependents bool
	cmd := &cobra.Command{
		Use:   "cancel JOB_IDS...",
		Short: "Cancel jobs: they will not run",
		Long: `Cancel jobs, as RQ's job.cancel(): each leaves its queue and registries for
the canceled registry. A running job is not stopped (see rq stop).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			return g.withDefaultClient(cmd.Context(), func(s *session, rdb *redis.Client) error {
				for _, id := range ids {
					job, err := rqlite.FetchJob(cmd.Context(), rdb, id, &rqlite.QueueOptions{Serializer: s.ser})
					if err != nil {
						return err
					}
					if err := job.Cancel(cmd.Context(), enqueueDependents); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "Canceled job %s\n", id)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&enqueueDependents, "enqueue-dependents", false, "queue the jobs that wait for these, as if these had finished")
	return cmd
}

// newStopCommand returns `rq stop`.
func newStopCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "stop JOB_IDS...",
		Short: "Stop running jobs",
		Long: `Stop running jobs: the worker running each one (rqlite's or Python RQ's) gets
RQ's stop-job command on its channel and ends the job with status stopped.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			return g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) error {
				for _, id := range ids {
					if err := rqlite.StopJob(cmd.Context(), rdb, id); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "Sent a stop command for job %s\n", id)
				}
				return nil
			})
		},
	}
}

// newWorkerCommandCommand returns rq shutdown or rq kill-horse: a command
// sent to workers by name.
func newWorkerCommandCommand(g *globalOptions, use, short string, send func(ctx context.Context, rdb *redis.Client, worker string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use + " WORKER_NAMES...",
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, names []string) error {
			return g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) error {
				for _, name := range names {
					if err := send(cmd.Context(), rdb, name); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "Sent %s to worker %s\n", use, name)
				}
				return nil
			})
		},
	}
}

func newShutdownCommand(g *globalOptions) *cobra.Command {
	return newWorkerCommandCommand(g, "shutdown", "Ask workers for a warm shut down (finish the job, quit)",
		func(ctx context.Context, rdb *redis.Client, worker string) error {
			return rqlite.SendShutdownCommand(ctx, rdb, worker)
		})
}

func newKillHorseCommand(g *globalOptions) *cobra.Command {
	return newWorkerCommandCommand(g, "kill-horse", "Make workers abandon the job they run (it fails)",
		func(ctx context.Context, rdb *redis.Client, worker string) error {
			return rqlite.SendKillHorseCommand(ctx, rdb, worker)
		})
}
