package dashboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
)

// maxListed is the most queues and the most workers that a page or a
// scrape reads: whatever rq:queues and rq:workers hold, a page costs a
// bounded amount of memory and time, and says how many it left out.
const maxListed = 1000

// queueNames returns the queues shown, sorted: those of the options, or at
// most maxListed of those Redis knows of, and how many more it knows of.
func (h *handler) queueNames(ctx context.Context) ([]string, int64, error) {
	if h.opts.Queues != nil {
		return h.opts.Queues, 0, nil
	}
	return rqlite.ListQueues(ctx, h.rdb, maxListed)
}

// queueCounts are a queue's statistics and the size of its canceled
// registry, which QueueStats leaves out.
type queueCounts struct {
	rqlite.QueueStats
	Canceled int64
}

// count returns the number of jobs in one of the lists of the queue.
func (c queueCounts) count(list string) int64 {
	switch list {
	case "queued":
		return c.Jobs
	case "started":
		return c.Started
	case "deferred":
		return c.Deferred
	case "scheduled":
		return c.Scheduled
	case "finished":
		return c.Finished
	case "failed":
		return c.Failed
	case "canceled":
		return c.Canceled
	}
	return 0
}

// lists are the lists of jobs of a queue: the queue itself and its
// registries, in the order of a job's life.
var lists = []string{"queued", "started", "deferred", "scheduled", "finished", "failed", "canceled"}

func (h *handler) counts(ctx context.Context, name string) (queueCounts, error) {
	return readCounts(ctx, rqlite.NewQueue(name, h.rdb, h.qopts))
}

// readCounts reads the counts of queue q.
func readCounts(ctx context.Context, q *rqlite.Queue) (queueCounts, error) {
	st, err := q.Stats(ctx)
	if err != nil {
		return queueCounts{}, err
	}
	canceled, err := q.Registry(rqlite.Canceled).Count(ctx)
	if err != nil {
		return queueCounts{}, err
	}
	return queueCounts{QueueStats: st, Canceled: canceled}, nil
}

// add adds the counts of c to t.
func (t *queueCounts) add(c queueCounts) {
	t.Jobs += c.Jobs
	t.Started += c.Started
	t.Deferred += c.Deferred
	t.Scheduled += c.Scheduled
	t.Finished += c.Finished
	t.Failed += c.Failed
	t.Canceled += c.Canceled
}

// workers returns the registered workers that listen on a queue shown, out
// of at most maxListed of them, and how many were not read.
func (h *handler) workers(ctx context.Context) ([]rqlite.WorkerInfo, int64, error) {
	ws, more, err := rqlite.ListWorkers(ctx, h.rdb, "", maxListed)
	if err != nil || h.allowed == nil {
		return ws, more, err
	}
	return slices.DeleteFunc(ws, func(w rqlite.WorkerInfo) bool {
		return !slices.ContainsFunc(w.Queues, func(q string) bool { return h.allowed[q] })
	}), more, nil
}

type queuesData struct {
	Queues      []queueCounts
	MoreQueues  int64 // the queues past maxListed, not shown nor counted
	Total       queueCounts
	Workers     int
	MoreWorkers int64 // the registered workers past maxListed, not counted
	Suspended   bool
}

func (h *handler) queuesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := h.newLayout(w, r, "Queues", "queues")
	names, more, err := h.queueNames(ctx)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	d := queuesData{Queues: make([]queueCounts, 0, len(names)), MoreQueues: more}
	for _, name := range names {
		c, err := h.counts(ctx, name)
		if err != nil {
			h.fail(w, r, http.StatusBadGateway, "%v", err)
			return
		}
		d.Queues = append(d.Queues, c)
		d.Total.add(c)
	}
	ws, moreWorkers, err := h.workers(ctx)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	d.Workers, d.MoreWorkers = len(ws), moreWorkers
	if d.Suspended, err = rqlite.Suspended(ctx, h.rdb); err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	l.Data = d
	h.render(w, http.StatusOK, "queues", l)
}

// A resultRow is one run of a job.
type resultRow struct {
	Type      string
	CreatedAt time.Time
	Value     string // the return value of a successful run, as JSON, cut
	Exc       string // the error of a failed run, cut
	// ValueErr is why the return value (or the error) cannot be read, if
	// it cannot.
	ValueErr error
}

type jobData struct {
	Job *rqlite.Job
	// DataErr is why the job's call is not shown, if it is not.
	DataErr    string
	ExcInfo    string // cut
	ExcErr     string
	Results    []resultRow
	MoreRuns   int64 // the results not shown, older ones
	Dependents []string
	// MoreDependents is how many dependents are not shown.
	MoreDependents int64
	CanRequeue     bool
	CanCancel      bool
	CanStop        bool
	// Unread are the fields left in Redis, too long to read, with their
	// lengths, sorted.
	Unread [][2]string
	// Raw are the fields of a job hash that cannot be decoded, and Err
	// why.
	Raw [][2]string
	Err string
	ID  string
}

func (h *handler) jobPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	v, err := rqlite.FetchJobView(ctx, h.rdb, id, h.qopts, viewLimits)
	if errors.Is(err, rqlite.ErrNoSuchJob) {
		h.fail(w, r, http.StatusNotFound, "There is no job %s: it never existed, or it expired or was deleted.", id)
		return
	}
	if err != nil {
		h.rawJobPage(w, r, id, err)
		return
	}
	if !h.queueAllowed(v.Origin) {
		h.fail(w, r, http.StatusNotFound, "There is no job %s.", id)
		return
	}
	l := h.newLayout(w, r, "Job "+id, "queues")
	if err := v.ReadRuns(ctx, viewLimits); err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	d := newJobData(v)
	if d.Dependents, d.MoreDependents, err = h.dependents(ctx, id); err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	l.Data = d
	h.render(w, http.StatusOK, "job", l)
}

// maxDependents is the most dependents the job page shows.
const maxDependents = 100

// dependents are the IDs of job id's dependents, sorted, at most
// maxDependents of them, and how many more it has: a set of any size is
// read only as far as the page shows, and one of another type as none.
func (h *handler) dependents(ctx context.Context, id string) ([]string, int64, error) {
	r, err := scripts.FirstMembers(ctx, h.rdb, keys.Dependents(id), maxDependents, maxMember)
	return r.Members, r.More(), err
}

// newJobData is what the job page shows of v, its values cut.
func newJobData(v *rqlite.JobView) jobData {
	d := jobData{Job: v.Job, ID: v.ID, ExcInfo: clip(v.Exc, v.ExcLen, maxShown), Unread: unreadRows(v.Unread)}
	if v.DataErr != nil {
		d.DataErr = v.DataErr.Error()
	}
	if v.ExcErr != nil {
		d.ExcErr = v.ExcErr.Error()
	}
	for _, res := range v.Runs {
		d.Results = append(d.Results, newResultRow(res))
	}
	d.MoreRuns = v.RunCount - int64(len(v.Runs))
	switch v.Status {
	case rqlite.StatusFailed, rqlite.StatusStopped:
		d.CanRequeue = true
	case rqlite.StatusQueued, rqlite.StatusDeferred, rqlite.StatusScheduled:
		d.CanCancel = true
	case rqlite.StatusStarted:
		d.CanStop = true
	}
	return d
}

// newResultRow is the row of one run, its values cut.
func newResultRow(res rqlite.ResultView) resultRow {
	row := resultRow{CreatedAt: res.CreatedAt, Exc: clip(res.ExcString, res.ExcLen, maxShown), ValueErr: res.ReturnValueErr}
	switch res.Type {
	case rqlite.ResultSuccessful:
		row.Type = "finished"
		row.Value = pretty(res.ReturnValue)
	case rqlite.ResultFailed:
		row.Type = "failed"
		if res.ExcErr != nil {
			row.ValueErr = res.ExcErr
		}
	case rqlite.ResultStopped:
		row.Type = "stopped"
	default:
		row.Type = strconv.Itoa(int(res.Type))
	}
	return row
}

// rawJobPage shows the fields of a job hash that cannot be decoded, as
// when the dashboard's serializer is not that of the job, within
// viewLimits: a field too long to read shows its length. A
// *rqlite.JobDecodeError brings the fields FetchJobView read; for another
// error they are read here.
func (h *handler) rawJobPage(w http.ResponseWriter, r *http.Request, id string, decodeErr error) {
	var read []rqlite.JobFields
	var err error
	if undecoded, ok := errors.AsType[*rqlite.JobDecodeError](decodeErr); ok {
		read = []rqlite.JobFields{undecoded.Fields}
	} else {
		read, err = rqlite.ReadJobFields(r.Context(), h.rdb, []string{id}, nil, viewLimits)
	}
	var tooMany *rqlite.ViewLimitError
	if err == nil && errors.As(read[0].Err, &tooMany) {
		// Too many fields to read them all: its origin alone, to check it.
		read, err = rqlite.ReadJobFields(r.Context(), h.rdb, []string{id}, []string{"origin"}, viewLimits)
	}
	if err == nil {
		err = read[0].Err
	}
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", decodeErr)
		return
	}
	fields := read[0].Values
	if !h.queueAllowed(fields["origin"]) {
		h.fail(w, r, http.StatusNotFound, "There is no job %s.", id)
		return
	}
	if tooMany != nil {
		fields = nil
	}
	l := h.newLayout(w, r, "Job "+id, "queues")
	d := jobData{ID: id, Err: decodeErr.Error(), Raw: unreadRows(read[0].Unread)}
	for k, v := range fields {
		switch k {
		case "data", "exc_info", "meta":
			v = fmt.Sprintf("(%d bytes)", len(v))
		default:
			v = cut(v)
		}
		d.Raw = append(d.Raw, [2]string{k, v})
	}
	slices.SortFunc(d.Raw, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })
	l.Data = d
	h.render(w, http.StatusOK, "job", l)
}

// unreadRows are the fields left unread, as name and "(N bytes, not
// read)", sorted.
func unreadRows(unread map[string]int64) [][2]string {
	var rows [][2]string
	for _, k := range slices.Sorted(maps.Keys(unread)) {
		rows = append(rows, [2]string{k, fmt.Sprintf("(%d bytes, too long to read here)", unread[k])})
	}
	return rows
}

type workersData struct {
	Workers []rqlite.WorkerInfo
	More    int64 // the registered workers past maxListed, not read
}

func (h *handler) workersPage(w http.ResponseWriter, r *http.Request) {
	l := h.newLayout(w, r, "Workers", "workers")
	ws, more, err := h.workers(r.Context())
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	l.Data = workersData{Workers: ws, More: more}
	h.render(w, http.StatusOK, "workers", l)
}
