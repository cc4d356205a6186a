package cli

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// newSuspendCommand returns `rq suspend`.
func newSuspendCommand(g *globalOptions) *cobra.Command {
	var duration int
	cmd := &cobra.Command{
		Use:   "suspend",
		Short: "Suspend all workers; resume them with rq resume",
		Long: `Suspend every worker of this Redis, rqlite's and Python RQ's: no new job is
started, but running jobs finish. With --duration the suspension ends by itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("duration") && duration < 1 {
				return fmt.Errorf("invalid --duration %d: it must be a whole number of seconds, 1 or more", duration)
			}
			err := g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) error {
				return rqlite.Suspend(cmd.Context(), rdb, time.Duration(duration)*time.Second)
			})
			if err != nil {
				return err
			}
			if duration > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Suspending workers for %d seconds.  No new jobs will be started during that time, but then will automatically resume\n", duration)
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), "Suspending workers.  No new jobs will be started.  But current jobs will be completed")
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&duration, "duration", 0, "seconds the workers stay suspended (default: until rq resume)")
	return cmd
}

// newResumeCommand returns `rq resume`.
func newResumeCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "resume",
		Short: "Resume the workers suspended with rq suspend",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) error {
				return rqlite.Resume(cmd.Context(), rdb)
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Resuming workers.")
			return nil
		},
	}
}
