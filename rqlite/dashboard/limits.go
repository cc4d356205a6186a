package dashboard

import (
	"net/http"
	"slices"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// The page of the concurrency limits: each limit set, and how many of its
// slots running jobs hold.

// maxLimitRows is the most limits the page shows; a hash of limits is
// written by users, but Redis may hold anything.
const maxLimitRows = 1000

type limitsData struct {
	Limits []rqlite.ConcurrencyLimit
	More   int // the limits not shown
}

func (h *handler) limitsPage(w http.ResponseWriter, r *http.Request) {
	l := h.newLayout(w, r, "Limits", "limits")
	limits, err := rqlite.ConcurrencyLimits(r.Context(), h.rdb)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	// A queue limit shows only if its queue does; a task limit applies to
	// jobs of any queue, so it always shows.
	limits = slices.DeleteFunc(limits, func(c rqlite.ConcurrencyLimit) bool {
		return c.Kind == rqlite.LimitQueue && !h.queueAllowed(c.Name)
	})
	d := limitsData{Limits: limits}
	if len(limits) > maxLimitRows {
		d.Limits, d.More = limits[:maxLimitRows], len(limits)-maxLimitRows
	}
	l.Data = d
	h.render(w, http.StatusOK, "limits", l)
}
