package rqlite

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// A commandHub is one Redis subscription that carries the command channels
// (rq:pubsub:NAME) of several workers, those of a WorkerPool: one
// connection and one reading goroutine for the pool, where each worker
// alone has its own. Each message goes to the handler of its channel.
type commandHub struct {
	rdb redis.UniversalClient

	mu       sync.Mutex
	ps       *redis.PubSub // nil while no worker listens
	done     chan struct{} // closed when the reading goroutine ends
	handlers map[string]func(payload string)
}

func newCommandHub(rdb redis.UniversalClient) *commandHub {
	return &commandHub{rdb: rdb, handlers: map[string]func(string){}}
}

// add subscribes to channel, whose messages go to handle from then on.
func (h *commandHub) add(ctx context.Context, channel string, handle func(payload string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handlers[channel] = handle
	if h.ps != nil {
		// An error shows in the subscription's own reconnections, as a
		// worker's own Subscribe reports none either.
		_ = h.ps.Subscribe(ctx, channel)
		return
	}
	h.ps = h.rdb.Subscribe(ctx, channel)
	h.done = make(chan struct{})
	go h.read(h.ps.Channel(), h.done)
}

// read hands each message to the handler of its channel, until the
// subscription is closed.
func (h *commandHub) read(msgs <-chan *redis.Message, done chan struct{}) {
	defer close(done)
	for msg := range msgs {
		h.mu.Lock()
		handle := h.handlers[msg.Channel]
		h.mu.Unlock()
		if handle != nil {
			handle(msg.Payload)
		}
	}
}

// remove unsubscribes from channel; the last one closes the subscription,
// once its goroutine has handed over its last message.
func (h *commandHub) remove(channel string) {
	h.mu.Lock()
	delete(h.handlers, channel)
	ps, done := h.ps, h.done
	last := len(h.handlers) == 0 && ps != nil
	if last {
		h.ps, h.done = nil, nil
	}
	h.mu.Unlock()
	if ps == nil {
		return
	}
	if !last {
		_ = ps.Unsubscribe(context.Background(), channel)
		return
	}
	ps.Close()
	<-done
}
