package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// maxFormBytes bounds the body of an action's form.
const maxFormBytes = 16 << 10

// checkAction refuses, with an error page, an action of a read-only
// dashboard or a form without the CSRF token.
func (h *handler) checkAction(w http.ResponseWriter, r *http.Request) bool {
	if h.opts.ReadOnly {
		h.fail(w, r, http.StatusForbidden, "This dashboard is read-only.")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || !h.validToken(r) {
		h.fail(w, r, http.StatusForbidden, "The form has no valid security token. Reload the page and try again.")
		return false
	}
	return true
}

// done sends the browser back to the page named by the form's next field,
// with the message of what was done.
func (h *handler) done(w http.ResponseWriter, r *http.Request, what string, n int) {
	next := h.safeNext(r.PostFormValue("next"))
	u, _ := url.Parse(next) // safeNext returns a URL that parses
	q := u.Query()
	q.Del("refresh")
	q.Set("done", what)
	if n >= 0 {
		q.Set("n", strconv.Itoa(n))
	} else {
		q.Del("n")
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// safeNext returns next if it is a page of this dashboard, and the
// dashboard's first page otherwise: a form cannot send the browser
// elsewhere.
func (h *handler) safeNext(next string) string {
	home := h.base + "/"
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		!strings.HasPrefix(u.EscapedPath(), home) {
		return home
	}
	return next
}

// actionFailed shows why an action could not be done.
func (h *handler) actionFailed(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadGateway
	switch {
	case errors.Is(err, rqlite.ErrNoSuchJob):
		status = http.StatusNotFound
	case errors.Is(err, rqlite.ErrNotRunning), errors.Is(err, rqlite.ErrAlreadyCanceled):
		status = http.StatusConflict
	}
	h.fail(w, r, status, "%v", err)
}

// queueAction empties a queue or requeues all its failed jobs.
func (h *handler) queueAction(w http.ResponseWriter, r *http.Request) {
	name, action := r.PathValue("queue"), r.PathValue("action")
	if !h.queueAllowed(name) || (action != "empty" && action != "requeue") {
		h.fail(w, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if !h.checkAction(w, r) {
		return
	}
	q := rqlite.NewQueue(name, h.rdb, h.qopts)
	switch action {
	case "empty":
		n, err := q.Empty(r.Context())
		if err != nil {
			h.actionFailed(w, r, err)
			return
		}
		h.done(w, r, "emptied", int(n))
	case "requeue":
		ids, err := q.Registry(rqlite.Failed).RequeueAll(r.Context())
		if err != nil && !errors.Is(err, rqlite.ErrNoSuchJob) {
			h.actionFailed(w, r, err)
			return
		}
		// Entries whose job was gone have been dropped: not an error here.
		h.done(w, r, "requeued", len(ids))
	}
}

// jobAction requeues, deletes, cancels or stops one job.
func (h *handler) jobAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, action := r.PathValue("id"), r.PathValue("action")
	switch action {
	case "requeue", "delete", "cancel", "stop":
	default:
		h.fail(w, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if !h.checkAction(w, r) {
		return
	}
	origin, err := h.origin(ctx, id)
	if err != nil {
		h.actionFailed(w, r, err)
		return
	}
	q := rqlite.NewQueue(origin, h.rdb, h.qopts)
	switch action {
	case "requeue":
		_, err = q.Registry(rqlite.Failed).Requeue(ctx, id)
		if err == nil {
			h.done(w, r, "requeued", 1)
		}
	case "delete":
		if err = q.DeleteJob(ctx, id); err == nil {
			h.done(w, r, "deleted", -1)
		}
	case "cancel":
		var j *rqlite.Job
		if j, err = q.FetchJob(ctx, id); err == nil {
			if err = j.Cancel(ctx, false); err == nil {
				h.done(w, r, "canceled", -1)
			}
		}
	case "stop":
		if err = rqlite.StopJob(ctx, h.rdb, id); err == nil {
			h.done(w, r, "stopped", -1)
		}
	}
	if err != nil {
		h.actionFailed(w, r, err)
	}
}

// origin returns the queue of job id, if the dashboard shows it.
func (h *handler) origin(ctx context.Context, id string) (string, error) {
	origin, err := h.rdb.HGet(ctx, keys.Job(id), "origin").Result()
	if errors.Is(err, redis.Nil) || (err == nil && !h.queueAllowed(origin)) {
		return "", fmt.Errorf("%w: %s", rqlite.ErrNoSuchJob, id)
	}
	return origin, err
}
