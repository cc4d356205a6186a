// Package dashboard is a web dashboard for rqlite's queues, what django-rq's
// admin views and rq-dashboard give Python RQ: the queues with the sizes of
// their registries, the jobs of each queue and registry, page by page, each
// job in detail, the workers, and metrics for Prometheus. It reads and
// writes RQ's Redis layout, so it shows the queues of Python RQ workers as
// well as rqlite's.
//
// [New] returns an [http.Handler] that any Go web service can mount under a
// path of its own, next to its other pages:
//
//	mux.Handle("/rq/", http.StripPrefix("/rq", dashboard.New(rdb, &dashboard.Options{Prefix: "/rq/"})))
//
// Options.Prefix must be the path the handler is mounted under, so that its
// links and forms point there; the handler itself sees the paths without
// it, as http.StripPrefix leaves them. The rq command serves the same
// handler on its own with `rq dashboard`.
//
// # Pages
//
// Under the prefix:
//
//	/                        the queues: jobs waiting and in each registry, workers
//	/queues/NAME             the jobs waiting in queue NAME, page by page
//	/queues/NAME/REGISTRY    the jobs of a registry: started, finished, failed,
//	                         deferred, scheduled or canceled
//	/jobs/ID                 one job: call, status, times, result, exception, meta
//	/workers                 the workers: state, current job, counters, heartbeat
//	/metrics                 metrics in the Prometheus text format (see NewCollector)
//
// A page of a queue or registry costs a few round trips to Redis whatever
// its size: its IDs are read with LRANGE or ZRANGE, then the few fields
// of their job hashes that it shows, in one pipeline of HMGET (never the
// call, meta or error text of a job, which may be large).
//
// What a job's page shows of each value (its args, kwargs and meta, an
// error text, a return value, a field of its hash) stops after 64 KiB and
// says how much it cut; printing stops there too, so that a value that
// would print as hundreds of megabytes (lists nested thousands deep, one
// list shared millions of times) costs no more. The page decodes the
// job's call only if it inflates to at most 4 MiB, and a pickle only if it
// holds at most 100,000 values; beyond, it says so. Pages reload themselves
// every few seconds (Options.RefreshInterval); a link at the bottom turns
// that off, and the choice is kept in a cookie.
//
// # Actions
//
// Unless Options.ReadOnly is set, the pages have buttons to requeue a failed
// job or all the failed jobs of a queue, delete a job, empty a queue, cancel
// a job and stop a running one. Each is a POST form that asks for
// confirmation in the browser and carries a token against cross-site
// request forgery: a random secret of the handler, compared in constant
// time; a POST without it is refused with 403 Forbidden.
//
// # Safety
//
// The handler shows and changes everything in the queues, so it must not be
// reachable by strangers. When Options.Username or Options.Password is set,
// every page, the metrics included, asks for them (HTTP basic
// authentication; use it over HTTPS, or behind the login of your service).
// Job data (arguments, results, exceptions, meta) is escaped by
// html/template wherever it is shown, and the pages forbid inline scripts
// and framing (Content-Security-Policy). A Redis URL is shown only without
// its password.
//
// Against DNS rebinding, where a page of another site has its name point
// at the dashboard's address, the handler answers only the Host names it
// knows: localhost, the loopback addresses, the IP address the request
// arrived at, and Options.AllowedHosts; any other gets 400 Bad Request. A
// POST whose Origin header (or Referer, without Origin) names another host
// than Host gets 403 Forbidden, token or not. A handler that panics is
// answered 500 with one line, and the panic goes to Options.ErrorLog with
// its stack, as do the errors of /metrics. Names from Redis that are not
// UTF-8 are escaped in the metrics' labels (see NewCollector).
package dashboard

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// Default values of Options.
const (
	DefaultPageSize        = 25
	DefaultRefreshInterval = 5 * time.Second
)

// Options configure the dashboard. The zero value of each field means its
// default.
type Options struct {
	// Queues are the queues shown, in this order; nil means every queue
	// Redis knows of (rq:queues), sorted, read on each request. With a
	// list, other queues and their jobs are out of reach.
	Queues []string
	// Serializer decodes the jobs' arguments, results and meta: JSON by
	// default. It must be the one of the programs that enqueue.
	Serializer rqlite.Serializer
	// RQ2 reads RQ 2.x's layout (its started registry holds job and
	// execution), for a Redis shared with RQ 2.x: QueueOptions.RQ2.
	RQ2 bool
	// Prefix is the path the handler is mounted under, such as "/rq/",
	// used to build its links; "" (or "/") when it serves the root.
	Prefix string
	// ReadOnly hides the actions and refuses them.
	ReadOnly bool
	// Username and Password, when either is set, protect every page with
	// HTTP basic authentication.
	Username, Password string
	// RedisURL is shown at the top of each page, without its password.
	// By default the address of rdb, when it is a *redis.Client.
	RedisURL string
	// PageSize is the number of jobs on a page: DefaultPageSize by
	// default.
	PageSize int
	// RefreshInterval is how often pages reload themselves while
	// auto-refresh is on: DefaultRefreshInterval by default.
	RefreshInterval time.Duration
	// AllowedHosts are the host names (without port) the requests may
	// name in their Host header, besides those always accepted: localhost,
	// the loopback addresses and the IP address the request arrived at.
	// An entry that starts with a dot, ".example.com", accepts the domain
	// and its subdomains; "*" accepts any Host, for when a proxy in front
	// checks it. A request with another Host gets 400 Bad Request: this
	// stops DNS rebinding, a page of another site whose name is made to
	// point at the dashboard's address. A request without Host (HTTP/1.0,
	// or a direct call of the handler) passes. A service that mounts the
	// dashboard must list the names it is reached by.
	AllowedHosts []string
	// ErrorLog receives the errors of /metrics and the panics of the
	// handlers, which the responses do not show: log.Default() when nil.
	ErrorLog *log.Logger
}

// handler is what New returns.
type handler struct {
	rdb     redis.UniversalClient
	opts    Options
	qopts   *rqlite.QueueOptions
	base    string // Prefix without its trailing slash: "" or "/rq"
	token   string // the CSRF token of the forms
	redis   string // where Redis is, for the header
	allowed map[string]bool
	auth    bool
	user    [sha256.Size]byte
	pass    [sha256.Size]byte
	mux     *http.ServeMux
	hosts   hostRules
	reg     *prometheus.Registry
}

// New returns the dashboard of the queues on rdb. opts may be nil. See the
// package documentation for the pages and for how to mount it.
func New(rdb redis.UniversalClient, opts *Options) http.Handler {
	h := &handler{rdb: rdb}
	if opts != nil {
		h.opts = *opts
		h.opts.Queues = slices.Clone(opts.Queues)
	}
	if h.opts.PageSize <= 0 {
		h.opts.PageSize = DefaultPageSize
	}
	if h.opts.RefreshInterval <= 0 {
		h.opts.RefreshInterval = DefaultRefreshInterval
	}
	h.qopts = &rqlite.QueueOptions{Serializer: h.opts.Serializer, RQ2: h.opts.RQ2}
	h.base = strings.TrimRight(h.opts.Prefix, "/")
	if h.base != "" && !strings.HasPrefix(h.base, "/") {
		h.base = "/" + h.base
	}
	if h.opts.Queues != nil {
		h.allowed = map[string]bool{}
		for _, q := range h.opts.Queues {
			h.allowed[q] = true
		}
	}
	h.redis = redisAddr(rdb, h.opts.RedisURL)
	var secret [32]byte
	_, _ = rand.Read(secret[:]) // never fails on supported systems
	h.token = hex.EncodeToString(secret[:])
	if h.opts.Username != "" || h.opts.Password != "" {
		h.auth = true
		h.user = sha256.Sum256([]byte(h.opts.Username))
		h.pass = sha256.Sum256([]byte(h.opts.Password))
	}

	h.hosts = newHostRules(h.opts.AllowedHosts)
	h.reg = prometheus.NewRegistry()
	h.reg.MustRegister(NewCollector(rdb, h.opts.Queues))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.queuesPage)
	mux.HandleFunc("GET /queues/{queue}", h.listPage)
	mux.HandleFunc("GET /queues/{queue}/{list}", h.listPage)
	mux.HandleFunc("GET /jobs/{id}", h.jobPage)
	mux.HandleFunc("GET /workers", h.workersPage)
	mux.HandleFunc("GET /groups", h.groupsPage)
	mux.HandleFunc("GET /groups/{group}", h.groupPage)
	mux.HandleFunc("GET /cron", h.cronPage)
	mux.HandleFunc("GET /limits", h.limitsPage)
	mux.HandleFunc("GET /metrics", h.metrics)
	mux.HandleFunc("GET /static/{file}", serveStatic)
	mux.HandleFunc("POST /queues/{queue}/{action}", h.queueAction)
	mux.HandleFunc("POST /jobs/{id}/{action}", h.jobAction)
	h.mux = mux
	return h
}

// redisAddr is where the dashboard says Redis is, never with a password.
func redisAddr(rdb redis.UniversalClient, rawURL string) string {
	if rawURL != "" {
		return rqlite.RedactURL(rawURL)
	}
	if c, ok := rdb.(*redis.Client); ok {
		o := c.Options()
		if o.Network == "unix" {
			return fmt.Sprintf("unix://%s?db=%d", o.Addr, o.DB)
		}
		scheme := "redis"
		if o.TLSConfig != nil {
			scheme = "rediss"
		}
		return fmt.Sprintf("%s://%s/%d", scheme, o.Addr, o.DB)
	}
	return ""
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer h.recoverPanic(w, r)
	if !h.hosts.allows(r.Host, localAddr(r.Context())) {
		http.Error(w, badHostMessage, http.StatusBadRequest)
		return
	}
	if !safeMethod(r.Method) && !sameOrigin(r) {
		http.Error(w, crossSiteMessage, http.StatusForbidden)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if h.auth && !h.authorized(r) {
		hd.Set("WWW-Authenticate", `Basic realm="rq dashboard", charset="UTF-8"`)
		http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// safeMethod reports whether a request with this method changes nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// metrics serves the metrics; when they cannot be read, it logs why and
// answers 500 with one line.
func (h *handler) metrics(w http.ResponseWriter, r *http.Request) {
	fams, err := h.reg.Gather()
	if err != nil {
		h.logf("rq dashboard: /metrics: %v", err)
		http.Error(w, "500 Internal Server Error: the metrics could not be read; the dashboard's log says why", http.StatusInternalServerError)
		return
	}
	gathered := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return fams, nil })
	promhttp.HandlerFor(gathered, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// authorized checks the request's basic authentication, in constant time.
func (h *handler) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	return subtle.ConstantTimeCompare(u[:], h.user[:])&subtle.ConstantTimeCompare(p[:], h.pass[:]) == 1
}

// validToken reports whether a form carries the handler's CSRF token.
func (h *handler) validToken(r *http.Request) bool {
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue(tokenField)), []byte(h.token)) == 1
}

// tokenField is the name of the hidden field with the CSRF token.
const tokenField = "csrf_token"

// queueAllowed reports whether the dashboard shows queue name.
func (h *handler) queueAllowed(name string) bool {
	if rqlite.ValidateQueueName(name) != nil {
		return false
	}
	return h.allowed == nil || h.allowed[name]
}
