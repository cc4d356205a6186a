package cli

import (
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// newResetCommand returns `rq reset`, which RQ does not have: the tutorial's
// pages start with it, so that each starts from the same state.
func newResetCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "reset",
		Short: "Delete every RQ key (rq:*) of the Redis database: start from scratch",
		Long: `Delete every key of RQ's layout (rq:*) from the Redis database: queues, jobs,
results, registries, workers' records, locks and the suspension flag. Other
keys are left alone. For development and tests; not in RQ.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var n int
			err := g.withDefaultClient(cmd.Context(), func(_ *session, rdb *redis.Client) error {
				var err error
				n, err = rqlite.DeleteAll(cmd.Context(), rdb)
				return err
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted %d keys.\n", n)
			return nil
		},
	}
}
