package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// newDevServerCommand returns `rq dev-server`.
func newDevServerCommand(*globalOptions) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "dev-server",
		Short: "Run an embedded Redis server for development",
		Long: `Run an embedded Redis server (miniredis) in this process, for trying rqlite
without installing Redis or Docker. It implements most of Redis, including what
Python RQ's worker and rq info call (CLIENT LIST, CLIENT INFO, INFO server), keys
expire in real time, it keeps its data in memory only and stops on Ctrl-C. Do
not use it in production.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDevServer(cmd.Context(), cmd.OutOrStdout(), addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:6379", "address to listen on, host:port")
	return cmd
}

// runDevServer serves until ctx is cancelled or the process gets SIGINT or
// SIGTERM.
func runDevServer(ctx context.Context, out io.Writer, addr string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := startDevServer(addr)
	if err != nil {
		return listenError(addr, err, "is another Redis server running? choose another address with --addr")
	}
	defer s.Close()

	fmt.Fprintf(out, "Embedded Redis server listening on %s (development only; data is kept in memory). Press Ctrl-C to stop.\n",
		redisURL(s.Addr()))
	<-ctx.Done()
	s.Close()
	fmt.Fprintln(out, "Embedded Redis server stopped.")
	return nil
}

// redisURL returns the URL of database 0 of a server listening on addr,
// with a wildcard host replaced by localhost.
func redisURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "redis://" + addr + "/0"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "redis://" + net.JoinHostPort(host, port) + "/0"
}
