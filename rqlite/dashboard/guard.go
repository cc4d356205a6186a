package dashboard

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"unicode/utf8"
)

// The one-line answers to the requests the dashboard refuses or fails.
const (
	badHostMessage   = "400 Bad Request: the Host of the request is not one of this dashboard's (see Options.AllowedHosts, or rq dashboard --allowed-host)"
	crossSiteMessage = "403 Forbidden: the form was sent from another site (its Origin or Referer is not this Host)"
	panicMessage     = "500 Internal Server Error: the dashboard failed to answer; its log says why"
)

// hostRules is what Options.AllowedHosts accepts, ready to match.
type hostRules struct {
	any     bool            // "*": every Host
	names   map[string]bool // exact names and IP addresses
	domains []string        // ".example.com": the domain and its subdomains
}

// newHostRules reads the entries of Options.AllowedHosts.
func newHostRules(entries []string) hostRules {
	hr := hostRules{names: map[string]bool{}}
	for _, e := range entries {
		e = normalHost(e)
		switch {
		case e == "":
		case e == "*":
			hr.any = true
		case strings.HasPrefix(e, "."):
			hr.domains = append(hr.domains, e)
		default:
			hr.names[e] = true
		}
	}
	return hr
}

// normalHost is a host name as compared: lower case, without the brackets
// of an IPv6 address and without a final dot.
func normalHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// splitHost splits a Host header into its host, normalized, and its port
// ("" when it has none).
func splitHost(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return normalHost(h), p
	}
	return normalHost(hostport), ""
}

// allows reports whether a request with this Host header, which arrived
// on a connection to the local address local, may be answered: see
// Options.AllowedHosts for the rule.
func (hr hostRules) allows(hostHeader string, local net.Addr) bool {
	if hr.any {
		return true
	}
	if hostHeader == "" {
		return true // HTTP/1.0, or a direct call: no browser sends this
	}
	host, port := splitHost(hostHeader)
	if host == "" || strings.ContainsAny(host, "/\\@ \t") || strings.Trim(port, "0123456789") != "" {
		return false
	}
	if hr.names[host] || host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return true
		}
		if a, ok := local.(*net.TCPAddr); ok && a.IP.Equal(ip) {
			return true
		}
		return false
	}
	for _, d := range hr.domains {
		if host == d[1:] || strings.HasSuffix(host, d) {
			return true
		}
	}
	return false
}

// localAddr is the address of the server's end of the request's
// connection, when the server says it.
func localAddr(ctx context.Context) net.Addr {
	a, _ := ctx.Value(http.LocalAddrContextKey).(net.Addr)
	return a
}

// sameOrigin reports whether a request that changes something comes from
// a page of this Host: its Origin header, or its Referer when it has no
// Origin, must name the Host of the request. A request with neither (not
// a browser's) passes, and still needs the CSRF token.
func sameOrigin(r *http.Request) bool {
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
		if from == "" {
			return true
		}
	}
	u, err := url.Parse(from)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false // "null", among others
	}
	return siteOf(u.Host, u.Scheme) == siteOf(r.Host, u.Scheme)
}

// siteOf is host:port as compared, without the default port of scheme.
func siteOf(hostport, scheme string) string {
	host, port := splitHost(hostport)
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	return host + ":" + port
}

// recoverPanic answers 500 with one line, and logs the panic with its
// stack, if the handler panics; no stack trace reaches the response.
func (h *handler) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	h.logf("rq dashboard: panic serving %s %q: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
	http.Error(w, panicMessage, http.StatusInternalServerError)
}

// logf writes to Options.ErrorLog, or to the standard logger.
func (h *handler) logf(format string, args ...any) {
	l := h.opts.ErrorLog
	if l == nil {
		l = log.Default()
	}
	_ = l.Output(2, fmt.Sprintf(format, args...))
}

// label is s as a Prometheus label value, which must be valid UTF-8: s
// itself when it is, else s with each byte that is not part of valid UTF-8
// written \xNN (two hexadecimal digits, in lower case).
func label(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
