package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
)

// dashboardOptions are the flags of rq dashboard.
type dashboardOptions struct {
	listen             string
	username, password string
	readOnly           bool
	allowedHosts       []string
}

// newDashboardCommand returns `rq dashboard`, a web dashboard as
// rq-dashboard and django-rq's admin pages.
func newDashboardCommand(g *globalOptions) *cobra.Command {
	var o dashboardOptions
	cmd := &cobra.Command{
		Use:   "dashboard [QUEUE...]",
		Short: "Serve a web dashboard of the queues, with metrics for Prometheus",
		Long: `Serve a web dashboard of the queues, as rq-dashboard does: the queues and
their registries, their jobs page by page, each job, the workers, and buttons
to requeue, delete, cancel and stop jobs and to empty queues. Metrics for
Prometheus are at /metrics.

The queues are those named, else those of the configuration file (-c), else
every queue known to Redis. They must all be on one Redis.

It listens on 127.0.0.1:9181 by default, reachable from this machine only. To
listen on another address, protect it with --username and --password (or the
environment variables RQ_DASHBOARD_USERNAME and RQ_DASHBOARD_PASSWORD), and
prefer HTTPS in front of it.

It answers only requests whose Host header names it: localhost, a loopback
address, the IP address a request arrived at, the host of --listen when it
is a name, and the names given with --allowed-host (".example.com" for the
domain and its subdomains, "*" for any). Other pages, such as one of a
domain made to point at this machine (DNS rebinding), get 400 Bad Request;
forms sent from another site (their Origin or Referer) get 403 Forbidden.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDashboard(cmd.Context(), cmd.OutOrStdout(), g, args, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:9181", "address to serve on, host:port; other than a loopback address only with a username and password")
	f.StringVar(&o.username, "username", os.Getenv("RQ_DASHBOARD_USERNAME"), "user name of the dashboard (HTTP basic authentication); RQ_DASHBOARD_USERNAME sets the default")
	f.StringVar(&o.password, "password", os.Getenv("RQ_DASHBOARD_PASSWORD"), "password of the dashboard; RQ_DASHBOARD_PASSWORD sets the default")
	f.Lookup("password").DefValue = "" // never show it in the help
	f.BoolVar(&o.readOnly, "read-only", false, "show the queues without the buttons that change them")
	f.StringArrayVar(&o.allowedHosts, "allowed-host", nil, "a host name, without port, the browser may reach the dashboard by, besides localhost and its IP addresses; repeatable; .example.com for the domain and its subdomains, * for any")
	return cmd
}

func runDashboard(ctx context.Context, out io.Writer, g *globalOptions, args []string, o dashboardOptions) error {
	hosts, err := checkDashboardFlags(o)
	if err != nil {
		return err
	}
	s, err := g.open()
	if err != nil {
		return err
	}
	defer s.close()
	names, err := dashboardQueues(s, args)
	if err != nil {
		return err
	}
	first := rqlite.DefaultQueue
	if len(names) > 0 {
		first = names[0]
	}
	rdb, err := s.client(ctx, first)
	if err != nil {
		return err
	}
	for _, name := range names {
		c, err := s.client(ctx, name)
		if err != nil {
			return err
		}
		if c != rdb {
			return fmt.Errorf("queues %s and %s are on different Redis servers: rq dashboard shows the queues of one", first, name)
		}
	}
	where := displayAddr(rdb.Options()) // never with the password
	h := dashboard.New(rdb, &dashboard.Options{
		Queues:       names,
		Serializer:   s.ser,
		RQ2:          s.g.rq2,
		ReadOnly:     o.readOnly,
		Username:     o.username,
		Password:     o.password,
		RedisURL:     where,
		AllowedHosts: hosts,
	})
	return serveDashboard(ctx, out, o.listen, h, where)
}

// dashboardQueues returns the queues named on the command line, else those
// of the configuration file, else nil: every queue, read on each request.
func dashboardQueues(s *session, args []string) ([]string, error) {
	if len(args) > 0 {
		for _, a := range args {
			if err := rqlite.ValidateQueueName(a); err != nil {
				return nil, err
			}
		}
		return args, nil
	}
	var names []string
	for _, q := range s.cfg.Queues {
		names = append(names, q.Name)
	}
	return names, nil
}

// checkDashboardFlags checks --listen, the credentials and --allowed-host,
// and returns the host names the dashboard accepts besides its own.
func checkDashboardFlags(o dashboardOptions) ([]string, error) {
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return nil, fmt.Errorf("invalid --listen %q: want host:port, such as 127.0.0.1:9181", o.listen)
	}
	auth := o.username != "" || o.password != ""
	if auth && (o.username == "" || o.password == "") {
		return nil, errors.New("give both a username and a password (--username and --password, or RQ_DASHBOARD_USERNAME and RQ_DASHBOARD_PASSWORD)")
	}
	if !auth && !isLoopback(host) {
		return nil, fmt.Errorf("%s is not a loopback address: set --username and --password (or RQ_DASHBOARD_USERNAME and RQ_DASHBOARD_PASSWORD) to serve the dashboard there", o.listen)
	}
	return allowedHosts(host, o.allowedHosts)
}

// allowedHosts returns the names of --allowed-host, checked, and the host
// of --listen when it is a name: those the browser may use in the Host
// header, besides those the dashboard always accepts.
func allowedHosts(listenHost string, names []string) ([]string, error) {
	var hosts []string
	for _, n := range names {
		if _, _, err := net.SplitHostPort(n); err == nil || n == "" || strings.ContainsAny(n, "/@ \t") {
			return nil, fmt.Errorf("invalid --allowed-host %q: want a host name or address without port, such as panel.example.com, .example.com or *", n)
		}
		hosts = append(hosts, n)
	}
	if listenHost != "" && net.ParseIP(listenHost) == nil {
		hosts = append(hosts, listenHost)
	}
	return hosts, nil
}

// isLoopback reports whether host (of a listening address) reaches this
// machine only.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveDashboard serves h on addr until ctx ends or the process gets SIGINT
// or SIGTERM.
func serveDashboard(ctx context.Context, out io.Writer, addr string, h http.Handler, redisAddr string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError(addr, err, "choose another address with --listen")
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "Dashboard of %s at %s/ (metrics at %s/metrics). Press Ctrl-C to stop.\n", redisAddr, url, url)
	select {
	case err := <-served:
		return fmt.Errorf("dashboard server: %v", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stop the dashboard server: %v", err)
	}
	fmt.Fprintln(out, "Dashboard stopped.")
	return nil
}
