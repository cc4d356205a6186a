package rqlite

import (
	"context"
	"fmt"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
)

// Delete deletes the queue as RQ's q.delete(delete_jobs=deleteJobs) does:
// its name leaves rq:queues (AllQueues no longer lists it) and its list
// rq:queue:NAME is deleted. With deleteJobs the jobs waiting in it go
// first, as Empty removes them: each one's hash and dependents set are
// deleted, and nothing else of it (like RQ, not its dependencies set nor
// registry entries, which a waiting job does not have). Without
// deleteJobs their hashes stay, to expire or be deleted by ID.
//
// The queue's registries, its intermediate list and the jobs in them are
// left alone, as RQ leaves them. Unlike RQ, which empties the queue and
// then deletes it in two steps, Delete does it all in one script, so that
// no job enqueued in between keeps its hash but loses its place in the
// list. Enqueueing into
// the queue later creates it again.
func (q *Queue) Delete(ctx context.Context, deleteJobs bool) error {
	_, err := scripts.RunDeleteQueue(ctx, q.c.rdb, scripts.DeleteQueueArgs{
		Queues:     keys.Queues,
		Queue:      q.Key(),
		DeleteJobs: deleteJobs,
	})
	if err != nil {
		return fmt.Errorf("rqlite: delete queue %s: %w", q.Name, err)
	}
	return nil
}
