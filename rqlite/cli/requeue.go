package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// newRequeueCommand returns `rq requeue`, RQ 1.13's rq requeue.
func newRequeueCommand(g *globalOptions) *cobra.Command {
	var (
		all   bool
		queue string
	)
	cmd := &cobra.Command{
		Use:   "requeue [--queue QUEUE] JOB_IDS... | --all",
		Short: "Requeue failed jobs",
		Long: `Put failed jobs of a queue's failed job registry back at the end of their
queue, or with --all every job of that registry, as RQ's
FailedJobRegistry.requeue does: each job's start and end times and its
exception are cleared and it waits for a worker again.

An ID that is not in the failed job registry is an error; the other jobs
are requeued all the same.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case all && len(args) > 0:
				return errors.New("give job IDs or --all, not both")
			case !all && len(args) == 0:
				return errors.New("no job given: name the failed jobs to requeue, or use --all")
			}
			s, err := g.open()
			if err != nil {
				return err
			}
			defer s.close()
			ctx := cmd.Context()
			q, err := s.queue(ctx, queue)
			if err != nil {
				return err
			}
			reg := q.Registry(rqlite.Failed)
			ids := args
			if all {
				if ids, err = reg.JobIDs(ctx, 0, -1); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if len(ids) == 0 {
				fmt.Fprintln(out, "Nothing to do")
				return nil
			}
			fmt.Fprintf(out, "Requeueing %d jobs from failed queue\n", len(ids))
			_, err = reg.Requeue(ctx, ids...)
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "requeue all failed jobs")
	f.StringVarP(&queue, "queue", "q", rqlite.DefaultQueue, "the queue whose failed jobs are requeued")
	return cmd
}
