package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// newEmptyCommand returns `rq empty`, RQ 1.13's rq empty.
func newEmptyCommand(g *globalOptions) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "empty QUEUES... | --all",
		Short: "Empty the given queues",
		Long: `Empty each queue named, or with --all every queue: the waiting jobs are
removed from the queue and deleted, as RQ's Queue.empty does. Jobs that are
running, finished, failed, deferred or scheduled are not touched.

With --all and a --config file, the queues are those of the file; otherwise
every queue that Redis knows of.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case all && len(args) > 0:
				return errors.New("give queue names or --all, not both")
			case !all && len(args) == 0:
				return errors.New("no queue given: name the queues to empty, or use --all")
			}
			s, err := g.open()
			if err != nil {
				return err
			}
			defer s.close()
			ctx := cmd.Context()
			names, err := s.queueNames(ctx, args)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(names) == 0 {
				fmt.Fprintln(out, "Nothing to do")
				return nil
			}
			for _, name := range names {
				q, err := s.queue(ctx, name)
				if err != nil {
					return err
				}
				n, err := q.Empty(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%d jobs removed from %s queue\n", n, name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "empty all queues")
	return cmd
}
