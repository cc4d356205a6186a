package cli

import (
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// newCronCommand returns `rq cron`.
func newCronCommand(g *globalOptions) *cobra.Command {
	var level, name string
	cmd := &cobra.Command{
		Use:   "cron PATH.yaml",
		Short: "Queue jobs periodically, as listed in a YAML file",
		Long: `Run a cron scheduler, as RQ 2.x's rq cron: it queues the jobs of a YAML
file every interval or at the times of a cron expression (read in UTC), and
registers itself in Redis where RQ's CronScheduler.all() finds it. The file
lists the jobs under jobs:, each with the parameters of RQ's cron.register:
func (a registered task), queue_name, args, kwargs, interval or cron,
job_timeout, result_ttl, ttl, failure_ttl, meta. Several rq cron with the
same jobs may run at once: each job is queued once per period. Workers run
the jobs; stop the scheduler with Ctrl-C.`,
		Example: "  rq cron cron.yaml\n  rq cron -l DEBUG demos/cron/cron.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lvl, err := rqlite.ParseLogLevel(level)
			if err != nil {
				return err
			}
			if _, err := rqlite.ReadCronFile(args[0]); err != nil {
				return err
			}
			s, err := g.open()
			if err != nil {
				return err
			}
			defer s.close()
			rdb, err := s.client(cmd.Context(), rqlite.DefaultQueue)
			if err != nil {
				return err
			}
			logger := &rqlite.Logger{Out: cmd.OutOrStdout(), Err: cmd.ErrOrStderr(), Level: lvl}
			cron, err := rqlite.NewCronScheduler(rdb, &rqlite.CronOptions{Name: name, Logger: logger, Serializer: s.ser, RQ2: g.rq2})
			if err != nil {
				return err
			}
			if err := cron.LoadCronFile(args[0]); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return cron.Run(ctx)
		},
	}
	cmd.Flags().StringVarP(&level, "logging-level", "l", "INFO", "log level: DEBUG, INFO, WARNING, ERROR or CRITICAL")
	cmd.Flags().StringVar(&name, "name", "", "the scheduler's name in Redis; HOSTNAME:PID:6 hex digits by default")
	return cmd
}
