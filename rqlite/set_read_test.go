package rqlite_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// ListQueues and ListWorkers read at most n names, sorted, and count the
// rest, whatever rq:queues and the worker sets hold; AllQueues and
// Workers still read them all.
func TestListQueuesAndWorkersBounded(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	var queues, workers []any
	for i := range 300 {
		queues = append(queues, fmt.Sprintf("rq:queue:q%03d", i))
		w := fmt.Sprintf("rq:worker:w%03d", i)
		workers = append(workers, w)
		if err := rdb.HSet(ctx, w, "state", "idle", "queues", "q000").Err(); err != nil {
			t.Fatal(err)
		}
	}
	queues = append(queues, "rq:queue:"+strings.Repeat("x", 5000), "not-a-queue-key")
	if err := rdb.SAdd(ctx, "rq:queues", queues...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.SAdd(ctx, "rq:workers", workers...).Err(); err != nil {
		t.Fatal(err)
	}

	names, more, err := rqlite.ListQueues(ctx, rdb, 100)
	if err != nil || more != 202 || len(names) > 100 || len(names) < 99 || !slices.IsSorted(names) {
		t.Errorf("ListQueues(100) = %d names, %d more, %v; want about 100, 202 more, sorted", len(names), more, err)
	}
	names, more, err = rqlite.ListQueues(ctx, rdb, 0)
	if err != nil || len(names) != 300 || more != 1 {
		t.Errorf("ListQueues(0) = %d names, %d more, %v; want 300 and the long one", len(names), more, err)
	}
	if all, err := rqlite.AllQueues(ctx, rdb); err != nil || len(all) != 301 {
		t.Errorf("AllQueues = %d names, %v; want 301", len(all), err)
	}

	ws, more, err := rqlite.ListWorkers(ctx, rdb, "", 50)
	if err != nil || len(ws) != 50 || more != 250 || !slices.IsSortedFunc(ws, func(a, b rqlite.WorkerInfo) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("ListWorkers(50) = %d workers, %d more, %v; want 50, 250 more, sorted", len(ws), more, err)
	}
	if ws, err := rqlite.Workers(ctx, rdb, ""); err != nil || len(ws) != 300 {
		t.Errorf("Workers = %d, %v; want 300", len(ws), err)
	}

	if err := rdb.Set(ctx, "rq:workers", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var notSet *rqlite.NotASetError
	if _, _, err := rqlite.ListWorkers(ctx, rdb, "", 10); !errors.As(err, &notSet) || notSet.Key != "rq:workers" {
		t.Errorf("ListWorkers of a string = %v, want a *NotASetError naming rq:workers", err)
	}
}
