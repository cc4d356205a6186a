package dashboard

import (
	"errors"
	"net/http"
	"slices"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// The page of the cron schedulers: each one registered, by rqlite or by
// RQ 2.4+, and the periodic jobs it queues, with their next run. Like
// every page it only reads: a stale scheduler is not shown, and left to
// the schedulers' own cleanup.

// maxCronSchedulers is the most schedulers the page shows.
const maxCronSchedulers = 100

// maxCronJobs is the most jobs the page shows of one scheduler.
const maxCronJobs = 500

// A cronRow is a scheduler and the jobs shown of it.
type cronRow struct {
	*rqlite.CronSchedulerInfo
	More int // the jobs not shown
}

type cronData struct {
	Schedulers []cronRow
	More       int    // the schedulers not shown
	Err        string // why some could not be read
}

func (h *handler) cronPage(w http.ResponseWriter, r *http.Request) {
	l := h.newLayout(w, r, "Cron", "cron")
	all, more, err := rqlite.ListCronSchedulers(r.Context(), h.rdb, maxCronSchedulers)
	var bad *rqlite.CronHashError
	if err != nil && !errors.As(err, &bad) {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	// A scheduler whose hash cannot be read is left out, and the page
	// says why.
	var d cronData
	if err != nil {
		d.Err = err.Error()
	}
	d.More = int(more)
	for _, s := range all {
		row := cronRow{CronSchedulerInfo: s}
		s.Jobs = slices.DeleteFunc(s.Jobs, func(j rqlite.CronJobInfo) bool { return !h.queueAllowed(j.Queue) })
		if len(s.Jobs) > maxCronJobs {
			s.Jobs, row.More = s.Jobs[:maxCronJobs], len(s.Jobs)-maxCronJobs
		}
		d.Schedulers = append(d.Schedulers, row)
	}
	l.Data = d
	h.render(w, http.StatusOK, "cron", l)
}
