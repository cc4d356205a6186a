package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// manyBatch is the size of a batch of EnqueueMany in the bench.
const manyBatch = 1000

// enqueueManyCeiling is how many jobs per second Redis takes when it is
// sent, one pipeline at a time on one connection, the very commands that
// EnqueueMany sends for batches of 1,000 no-op jobs, written as bytes
// before the clock starts, their replies read and dropped: no
// EnqueueMany, which also prepares its jobs and decodes its replies, goes
// faster.
func (e *env) enqueueManyCeiling() (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	batches, err := e.enqueueManyPipelines(e.cfg.n)
	if err != nil {
		return 0, err
	}
	wires := make([][]byte, len(batches))
	for i, cmds := range batches {
		wires[i] = appendRESP(nil, cmds)
	}
	if err := e.flush(); err != nil {
		return 0, err
	}
	rc, err := dialRaw(e.ctx, e.opts)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	t0 := time.Now()
	for i, wire := range wires {
		if err := rc.do(wire, len(batches[i])); err != nil {
			return 0, err
		}
	}
	el := time.Since(t0)
	return perSecond(e.cfg.n, el), e.expectQueued(e.cfg.n)
}

// enqueueManyPipelines returns the commands of EnqueueMany for n no-op
// jobs in batches of 1,000, one pipeline a batch: it captures those of one
// batch of each size, then gives each batch's jobs IDs of their own by
// replacing the captured IDs wherever they occur.
func (e *env) enqueueManyPipelines(n int) ([][][]any, error) {
	type capture struct {
		cmds [][]any
		ids  []string
	}
	captured := map[int]capture{}
	var batches [][][]any
	for b, start := 0, 0; start < n; b, start = b+1, start+manyBatch {
		size := min(manyBatch, n-start)
		c, ok := captured[size]
		if !ok {
			cmds, ids, err := e.enqueueManyCommands(size)
			if err != nil {
				return nil, err
			}
			c = capture{cmds, ids}
			captured[size] = c
		}
		cmds, err := renameJobs(c.cmds, c.ids, b)
		if err != nil {
			return nil, err
		}
		batches = append(batches, cmds)
	}
	return batches, nil
}

// renameJobs returns cmds with each job ID of ids replaced by one of batch
// b: the same ID with its first 8 characters replaced by b in hex, so that
// the commands keep their lengths.
func renameJobs(cmds [][]any, ids []string, b int) ([][]any, error) {
	pairs := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		if len(id) < 8 {
			return nil, fmt.Errorf("job ID %q is too short to rename", id)
		}
		pairs = append(pairs, id, fmt.Sprintf("%08x", b)+id[8:])
	}
	r := strings.NewReplacer(pairs...)
	out := make([][]any, len(cmds))
	for i, args := range cmds {
		out[i] = make([]any, len(args))
		for j, a := range args {
			s, ok := a.(string)
			if !ok {
				return nil, fmt.Errorf("command %d: argument %d is a %T, not a string", i, j, a)
			}
			out[i][j] = r.Replace(s)
		}
	}
	return out, nil
}

// enqueueManyCommands makes one EnqueueMany call for `size` no-op jobs,
// through a client of its own that records what it sends, and returns
// those commands, each as its arguments written as strings, and the IDs
// of the jobs, which Redis then holds.
func (e *env) enqueueManyCommands(size int) ([][]any, []string, error) {
	conn, err := rqlite.ParseConnection(e.cfg.url)
	if err != nil {
		return nil, nil, err
	}
	rdb := conn.NewClient()
	defer rdb.Close()
	// The connection is made before recording: only EnqueueMany's
	// commands are recorded, not those that set up a connection.
	if err := rdb.Ping(e.ctx).Err(); err != nil {
		return nil, nil, err
	}
	h := &recorder{}
	rdb.AddHook(h)
	jobs, err := rqlite.NewQueue(benchQueue, rdb, nil).EnqueueMany(e.ctx, noopCalls(0, size))
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return h.commands(), ids, nil
}

// connectionSetup are the commands with which go-redis sets up a new
// connection, through the hooks of its client: not EnqueueMany's.
var connectionSetup = map[string]bool{"hello": true, "auth": true, "select": true, "client": true, "readonly": true}

// recorder is a go-redis hook that records the arguments of the commands
// that a client sends, written as strings as the wire has them.
type recorder struct {
	mu   sync.Mutex
	cmds [][]any
}

func (h *recorder) record(cmds ...redis.Cmder) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range cmds {
		if connectionSetup[c.Name()] {
			continue
		}
		args := make([]any, len(c.Args()))
		for i, a := range c.Args() {
			args[i] = wireString(a)
		}
		h.cmds = append(h.cmds, args)
	}
}

func (h *recorder) commands() [][]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmds
}

func (h *recorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.record(cmd)
		return next(ctx, cmd)
	}
}

func (h *recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.record(cmds...)
		return next(ctx, cmds)
	}
}

// wireString is an argument of a command as go-redis writes it on the
// wire, so that the recorded commands say the same once sent again.
func wireString(a any) string {
	switch v := a.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 64)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case nil:
		return ""
	}
	return fmt.Sprint(a) // the integers, as decimals
}
