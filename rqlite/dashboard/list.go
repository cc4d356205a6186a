package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// The page of a list of jobs: a queue, or one of its registries.

// A tab links to one list of a queue.
type tab struct {
	List   string
	Count  int64
	Active bool
}

// A jobRow is one job of a list.
type jobRow struct {
	ID   string
	Job  *rowJob   // nil if missing or unreadable
	Err  string    // why Job is nil
	Time time.Time // the list's own time: enqueued, started, ended or due
}

// rowJob is what a list shows of a job: fields of its hash that need no
// decoding, read without its call, meta or error text, which may be
// large (its page shows those).
type rowJob struct {
	Description string
	Status      rqlite.Status
	Origin      string
	CreatedAt   time.Time
	times       map[string]time.Time
}

// rowFields are the fields of a job hash that a list reads, the times
// last, from rowTimes on.
var rowFields = []string{"description", "status", "origin", "created_at", "enqueued_at", "started_at", "ended_at"}

const rowTimes = 3

type pager struct {
	Page, Pages             int64
	From, To, Total         int64
	First, Prev, Next, Last string // "" where there is no such page
}

type listData struct {
	Queue     string
	List      string
	Tabs      []tab
	Rows      []jobRow
	Pager     pager
	TimeLabel string
}

// timeLabels name the time that each list shows of its jobs.
var timeLabels = map[string]string{
	"queued": "Enqueued", "started": "Started", "deferred": "Created", "scheduled": "Due",
	"finished": "Ended", "failed": "Ended", "canceled": "Created",
}

// listPage shows a page of the jobs waiting in a queue or in one of its
// registries.
func (h *handler) listPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name, list := r.PathValue("queue"), r.PathValue("list")
	if list == "" {
		list = "queued"
	}
	if !h.queueAllowed(name) || !slices.Contains(lists, list) {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	title := name
	if list != "queued" {
		title += " · " + list
	}
	l := h.newLayout(w, r, title, "queues")
	c, err := h.counts(ctx, name)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	d := listData{Queue: name, List: list, TimeLabel: timeLabels[list]}
	for _, li := range lists {
		d.Tabs = append(d.Tabs, tab{List: li, Count: c.count(li), Active: li == list})
	}
	d.Pager = newPager(r.URL.Query().Get("page"), c.count(list), int64(h.opts.PageSize))
	if d.Rows, err = h.listRows(ctx, name, list, &d.Pager, int64(h.opts.PageSize)); err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	d.Pager.link(func(p int64) string {
		v := url.Values{}
		if p > 1 {
			v.Set("page", strconv.FormatInt(p, 10))
		}
		return withQuery(l.QueueURL(name, list), v)
	})
	l.Data = d
	h.render(w, http.StatusOK, "list", l)
}

// newPager returns the pager of page (a number; 1 when it is not one) of
// a list of total jobs, size a page.
func newPager(page string, total, size int64) pager {
	n, _ := strconv.ParseInt(page, 10, 64)
	return pager{Page: max(n, 1), Pages: max((total+size-1)/size, 1), Total: total}
}

// offset is the position in the list of the first job of the page, or of
// the last page when the page is past it.
func (p *pager) offset(size int64) int64 {
	return (min(p.Page, p.Pages) - 1) * size
}

// link sets the links to the other pages, made by pageURL.
func (p *pager) link(pageURL func(page int64) string) {
	if p.Page > 1 {
		p.First, p.Prev = pageURL(1), pageURL(min(p.Page-1, p.Pages))
	}
	if p.Page < p.Pages {
		p.Next, p.Last = pageURL(p.Page+1), pageURL(p.Pages)
	}
}

// listRows reads the jobs of the page of a list, their IDs then their
// hashes in one round trip, and sets the range of the list they are in
// the pager.
func (h *handler) listRows(ctx context.Context, name, list string, p *pager, size int64) ([]jobRow, error) {
	offset := p.offset(size)
	q := rqlite.NewQueue(name, h.rdb, h.qopts)
	var ids []string
	var err error
	switch {
	case p.Page > p.Pages:
		// Past the end: nothing to read.
	case list == "queued":
		ids, err = q.JobIDs(ctx, offset, size)
	default:
		ids, err = q.Registry(rqlite.RegistryKind(list)).JobIDs(ctx, offset, size)
	}
	if err != nil {
		return nil, err
	}
	fetched, err := h.fetchRows(ctx, ids)
	if err != nil {
		return nil, err
	}
	var due []float64
	if list == "scheduled" && len(ids) > 0 {
		if due, err = h.rdb.ZMScore(ctx, keys.Scheduled(name), ids...).Result(); err != nil {
			return nil, err
		}
	}
	var rows []jobRow
	for i, row := range fetched {
		row.setTime(list)
		if due != nil && due[i] > 0 {
			row.Time = time.Unix(int64(due[i]), 0)
		}
		rows = append(rows, row)
	}
	if len(ids) > 0 {
		p.From, p.To = offset+1, offset+int64(len(ids))
	}
	return rows, nil
}

// rowLimits bound what a list reads of each job: its fields are short,
// but for the description, shown cut to maxListText; a longer value stays
// in Redis.
var rowLimits = rqlite.ViewLimits{MaxField: 4 << 10, MaxRead: 4 << 20}

// fetchRows reads the fields that a list shows of the jobs with the
// given IDs, in one round trip, within rowLimits.
func (h *handler) fetchRows(ctx context.Context, ids []string) ([]jobRow, error) {
	read, err := rqlite.ReadJobFields(ctx, h.rdb, ids, rowFields, rowLimits)
	if err != nil {
		return nil, err
	}
	rows := make([]jobRow, len(ids))
	for i, id := range ids {
		rows[i].ID = id
		f := read[i]
		var notHash *rqlite.NotAHashError
		switch {
		case errors.Is(f.Err, rqlite.ErrNoSuchJob) && !errors.As(f.Err, &notHash),
			f.Err == nil && len(f.Values) == 0 && len(f.Unread) == 0:
			rows[i].Err = "The job's data is gone (expired or deleted)."
		case f.Err != nil:
			rows[i].Err = "Cannot read the job: " + f.Err.Error()
		default:
			rows[i].Job, err = newRowJob(f)
			if err != nil {
				rows[i].Err = "Cannot read the job: " + err.Error()
			}
		}
	}
	return rows, nil
}

// newRowJob reads the values of rowFields that f holds; a description
// too long to read is shown by its length.
func newRowJob(f rqlite.JobFields) (*rowJob, error) {
	for _, name := range rowFields[1:] {
		if n, ok := f.Unread[name]; ok {
			return nil, fmt.Errorf("field %s: %d bytes, too long for its kind", name, n)
		}
	}
	j := &rowJob{Description: f.Values["description"], Status: rqlite.Status(f.Values["status"]), Origin: f.Values["origin"], times: map[string]time.Time{}}
	if n, ok := f.Unread["description"]; ok {
		j.Description = fmt.Sprintf("(a description of %d bytes, too long to read here)", n)
	}
	for _, name := range rowFields[rowTimes:] {
		t, err := wire.ParseTime(f.Values[name])
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
		j.times[name] = t
	}
	j.CreatedAt = j.times["created_at"]
	return j, nil
}

// setTime sets the time that list shows of the row's job.
func (row *jobRow) setTime(list string) {
	j := row.Job
	if j == nil {
		return
	}
	switch list {
	case "queued":
		row.Time = j.times["enqueued_at"]
	case "started":
		row.Time = j.times["started_at"]
	case "finished", "failed":
		row.Time = j.times["ended_at"]
	default:
		row.Time = j.CreatedAt
	}
}
