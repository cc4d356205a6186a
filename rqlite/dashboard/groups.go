package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
)

// The pages of RQ 2's groups: the list of groups, and the jobs of one.
// Both read sets that may be huge, so they read them a page at a time with
// SSCAN, whose cursor is the page's place; a set has no order to number
// pages by.

// maxScanned is the most members one page reads: SSCAN's COUNT is a hint,
// and a small set comes back whole.
const maxScanned = 1000

// A groupRow is one group of the list.
type groupRow struct {
	Name string
	Jobs int64 // 0 once its set is gone: RQ deletes an empty group
}

type groupsData struct {
	Groups []groupRow
	Next   string // the next page's URL, "" on the last
	Cut    int    // the names read but not shown, past maxScanned
}

func (h *handler) groupsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := h.newLayout(w, r, "Groups", "groups")
	names, next, cut, err := h.scanPage(ctx, keys.Groups, r.URL.Query().Get("cursor"))
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	names = slices.DeleteFunc(names, func(n string) bool { return rqlite.ValidateGroupName(n) != nil })
	slices.Sort(names)
	cmds := make([]*redis.IntCmd, len(names))
	if _, err := h.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = p.SCard(ctx, keys.Group(n))
		}
		return nil
	}); err != nil && len(names) > 0 {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	d := groupsData{Next: pageAfter(l.Base+"/groups", next), Cut: cut}
	for i, n := range names {
		d.Groups = append(d.Groups, groupRow{Name: n, Jobs: cmds[i].Val()})
	}
	l.Data = d
	h.render(w, http.StatusOK, "groups", l)
}

type groupData struct {
	Name   string
	Total  int64
	Rows   []jobRow
	Hidden int    // jobs of queues the dashboard does not show
	Next   string // the next page's URL, "" on the last
	Cut    int    // the IDs read but not shown, past maxScanned
}

func (h *handler) groupPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("group")
	if rqlite.ValidateGroupName(name) != nil {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	l := h.newLayout(w, r, "Group "+name, "groups")
	d := groupData{Name: name}
	var err error
	if d.Total, err = h.rdb.SCard(ctx, keys.Group(name)).Result(); err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	if d.Total == 0 {
		h.fail(w, r, http.StatusNotFound, "There is no group %s: it never existed, or all its jobs expired or were deleted.", name)
		return
	}
	ids, next, cut, err := h.scanPage(ctx, keys.Group(name), r.URL.Query().Get("cursor"))
	d.Cut = cut
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	slices.Sort(ids)
	rows, err := h.fetchRows(ctx, ids)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "%v", err)
		return
	}
	for _, row := range rows {
		if row.Job != nil && !h.queueAllowed(row.Job.Origin) {
			d.Hidden++
			continue
		}
		row.setTime("queued")
		d.Rows = append(d.Rows, row)
	}
	d.Next = pageAfter(l.Base+"/groups/"+url.PathEscape(name), next)
	l.Data = d
	h.render(w, http.StatusOK, "group", l)
}

// scanPage reads one page of the members of a set: from cursor (a number;
// the start when it is not one) to the cursor it returns, 0 at the end.
// It keeps at most maxScanned of them and says how many it left out, with
// those too long to show.
func (h *handler) scanPage(ctx context.Context, key, cursor string) (members []string, next uint64, cut int, err error) {
	from, _ := strconv.ParseUint(cursor, 10, 64)
	r, err := scripts.RunReadMembers(ctx, h.rdb, scripts.ReadMembersArgs{Set: key, Cursor: from,
		Count: int64(h.opts.PageSize), Calls: 1, MostMembers: maxScanned, LongestMember: maxMember})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("read %s: %w", key, err)
	}
	return r.Members, r.Cursor, int(r.Cut + r.Long), nil
}

// maxMember is the longest member of a set that a page reads (a job ID,
// a group's name), in bytes: a longer one is counted, not read.
const maxMember = 4 << 10

// pageAfter is the URL of the page that starts at cursor, "" if it is 0.
func pageAfter(path string, cursor uint64) string {
	if cursor == 0 {
		return ""
	}
	return withQuery(path, url.Values{"cursor": {strconv.FormatUint(cursor, 10)}})
}
