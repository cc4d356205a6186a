package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

//go:embed templates static
var files embed.FS

// templates holds one template set per page, each the layout and the page.
var templates = map[string]*template.Template{}

var funcs = template.FuncMap{
	"ago":         ago,
	"utc":         utc,
	"iso":         func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"pretty":      pretty,
	"cut":         cut,
	"cutList":     cutList,
	"statusClass": statusClass,
	"duration":    duration,
	"plural":      plural,
	"noun":        noun,
}

func init() {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		templates[name] = template.Must(template.Must(layout.Clone()).ParseFS(files, p))
	}
}

// static holds the style sheet and the script.
var static = func() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	return sub
}()

// serveStatic serves the style sheet and the script.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !fs.ValidPath(name) || name == "." || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, static, name)
}

// layout is what every page shows around its own content, Data.
type layout struct {
	Title    string
	Nav      string // the active tab: queues or workers
	Base     string
	Redis    string
	Token    string
	ReadOnly bool
	Here     string // this page's URL, for the forms to come back to
	Flash    string
	Refresh  refreshState
	Data     any
}

// refreshState is the page's auto-refresh.
type refreshState struct {
	On      bool
	Seconds int
	Reload  string // the URL reloaded
	Toggle  string // the link that turns it on or off
}

// Content is the content of the meta refresh tag.
func (r refreshState) Content() string { return fmt.Sprintf("%d; url=%s", r.Seconds, r.Reload) }

// refreshCookie keeps the choice of auto-refresh.
const refreshCookie = "rq_dashboard_refresh"

// newLayout prepares the layout of a page: its URL, the auto-refresh (from
// the refresh parameter, which is remembered in a cookie, else from the
// cookie) and the message of an action just done.
func (h *handler) newLayout(w http.ResponseWriter, r *http.Request, title, nav string) *layout {
	l := &layout{Title: title, Nav: nav, Base: h.base, Redis: h.redis, Token: h.token, ReadOnly: h.opts.ReadOnly}
	q := r.URL.Query()
	on := true
	switch v := q.Get("refresh"); v {
	case "on", "off":
		on = v == "on"
		http.SetCookie(w, &http.Cookie{Name: refreshCookie, Value: v, Path: h.base + "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode})
	default:
		if c, err := r.Cookie(refreshCookie); err == nil && c.Value == "off" {
			on = false
		}
	}
	l.Flash = flashMessage(q)
	for _, k := range []string{"refresh", "done", "n"} {
		q.Del(k)
	}
	path := h.base + r.URL.EscapedPath()
	l.Here = withQuery(path, q)
	secs := max(int(h.opts.RefreshInterval.Round(time.Second)/time.Second), 1)
	l.Refresh = refreshState{On: on, Seconds: secs, Reload: l.Here}
	if on {
		q.Set("refresh", "off")
	} else {
		q.Set("refresh", "on")
	}
	l.Refresh.Toggle = withQuery(path, q)
	return l
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// flashMessage is the message of an action just done, from the
// parameters its redirection added (never text from the URL itself).
func flashMessage(q url.Values) string {
	n, _ := strconv.Atoi(q.Get("n"))
	switch q.Get("done") {
	case "requeued":
		return fmt.Sprintf("Requeued %s.", plural(n, "job"))
	case "emptied":
		return fmt.Sprintf("Emptied the queue: deleted %s.", plural(n, "job"))
	case "deleted":
		return "Deleted the job."
	case "canceled":
		return "Canceled the job."
	case "stopped":
		return "Sent a stop command to the worker running the job."
	}
	return ""
}

// plural is a number of things, "1 job" or "3 jobs".
func plural(n any, singular string) string {
	return fmt.Sprint(n) + " " + noun(n, singular)
}

// noun is the word for n things: "job" for 1, "jobs" otherwise.
func noun(n any, singular string) string {
	if fmt.Sprint(n) == "1" {
		return singular
	}
	return singular + "s"
}

// QueueURL is the URL of a queue's page, or of one of its registries.
func (l *layout) QueueURL(name, list string) string {
	u := l.Base + "/queues/" + url.PathEscape(name)
	if list != "" && list != "queued" {
		u += "/" + list
	}
	return u
}

// JobURL is the URL of a job's page.
func (l *layout) JobURL(id string) string { return l.Base + "/jobs/" + url.PathEscape(id) }

// QueueActionURL is where the form of an action on a queue posts.
func (l *layout) QueueActionURL(name, action string) string {
	return l.Base + "/queues/" + url.PathEscape(name) + "/" + action
}

// JobActionURL is where the form of an action on a job posts.
func (l *layout) JobActionURL(id, action string) string {
	return l.Base + "/jobs/" + url.PathEscape(id) + "/" + action
}

// A button is the form of one action.
type button struct {
	Action, Label, Confirm, Class string
	Token, Next                   string
}

// Button returns the form of an action that comes back to this page.
func (l *layout) Button(action, label, confirm, class string) button {
	return l.ButtonTo(action, label, confirm, class, l.Here)
}

// ButtonTo returns the form of an action that goes on to next.
func (l *layout) ButtonTo(action, label, confirm, class, next string) button {
	return button{Action: action, Label: label, Confirm: confirm, Class: class, Token: l.Token, Next: next}
}

// render writes a page, or an error page if it cannot be rendered.
func (h *handler) render(w http.ResponseWriter, status int, page string, l *layout) {
	var buf bytes.Buffer
	if err := templates[page].ExecuteTemplate(&buf, "layout", l); err != nil {
		h.logf("rq dashboard: cannot render page %s: %v", page, err)
		http.Error(w, "500 Internal Server Error: cannot render the page; the dashboard's log says why", http.StatusInternalServerError)
		return
	}
	out := buf.Bytes()
	if !utf8.Valid(out) {
		// Names and data from Redis need not be UTF-8; the page says it is.
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Message string
}

// fail shows an error page.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, format string, args ...any) {
	l := h.newLayout(w, r, http.StatusText(status), "")
	l.Refresh.On = false
	l.Data = errorPage{Status: status, Message: fmt.Sprintf(format, args...)}
	h.render(w, status, "error", l)
}

// ago is how long ago t was (or how long until it comes).
func ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh %dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		s = fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// utc is t in UTC, to the second.
func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// statusClass is the CSS class of a job status or worker state.
func statusClass(s string) string {
	switch s {
	case "queued", "started", "finished", "failed", "deferred", "scheduled", "stopped", "canceled",
		"busy", "idle", "suspended":
		return "status-" + s
	}
	return "status-other"
}

// duration shows a job's timeout or TTL.
func duration(d time.Duration) string {
	switch {
	case d == 0:
		return "default"
	case d == rqlite.Forever:
		return "forever"
	case d == rqlite.Discard:
		return "discarded at once"
	}
	return d.String()
}

// GroupURL is the URL of a group's page.
func (l *layout) GroupURL(name string) string { return l.Base + "/groups/" + url.PathEscape(name) }
