package rqtest

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// leaseKeyPrefix, followed by a database number, names a lease key on
	// database 0.
	leaseKeyPrefix = "rqtest:lease:"
	// leaseTTL is how long a lease lasts if its holder never releases it.
	leaseTTL = 30 * time.Minute
	// leasePoll is the pause between two rounds of lease attempts.
	leasePoll = 50 * time.Millisecond
	// leaseWait bounds how long a test waits for a free database.
	leaseWait = 2 * time.Minute
	// opTimeout bounds each Redis command of the leasing machinery.
	opTimeout = 10 * time.Second
)

// releaseScript deletes a lease key only if it still holds the caller's
// token, so that a lease that expired and was taken by someone else is left
// alone.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0
`)

// lease is one database leased by this process.
type lease struct {
	b     *backend
	db    int
	token string
}

func leaseKey(db int) string { return leaseKeyPrefix + strconv.Itoa(db) }

// tryLease leases database db if it is free. It returns nil and no error
// when another holder has it.
func (b *backend) tryLease(ctx context.Context, db int) (*lease, error) {
	token := rand.Text()
	ok, err := b.admin.SetNX(ctx, leaseKey(db), token, leaseTTL).Result()
	if err != nil {
		return nil, fmt.Errorf("cannot lease database %d of %s: %v", db, b.opts.Addr, err)
	}
	if !ok {
		return nil, nil
	}
	return &lease{b: b, db: db, token: token}, nil
}

// lease leases a free database among 1..dbs-1, polling until wait has
// passed.
func (b *backend) lease(wait time.Duration) (*lease, error) {
	deadline := time.Now().Add(wait)
	n := b.dbs - 1 // databases 1..dbs-1
	for {
		// Start at a random database so that concurrent processes
		// seldom race for the same keys.
		first := mrand.IntN(n)
		for i := range n {
			db := 1 + (first+i)%n
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			l, err := b.tryLease(ctx, db)
			cancel()
			if err != nil {
				return nil, err
			}
			if l != nil {
				return l, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no free test database on %s: databases 1 to %d stayed leased for %v "+
				"(other test processes hold them; run fewer at once, or give the server more databases)",
				b.opts.Addr, n, wait)
		}
		time.Sleep(leasePoll)
	}
}

// release gives the database back, unless the lease expired and was taken
// by someone else in the meantime.
func (l *lease) release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, l.b.admin, []string{leaseKey(l.db)}, l.token).Err(); err != nil {
		return fmt.Errorf("cannot release database %d of %s: %v", l.db, l.b.opts.Addr, err)
	}
	return nil
}
