// Package scripts holds the Lua scripts that make a multi-step change to
// Redis atomic, and runs each through one typed function beside it:
// RunFinish in finish.go runs finish.lua, taking a FinishArgs and returning
// a FinishReply.
//
// Each script documents its KEYS and ARGV at its top, and its arguments
// struct declares the same layout in its struct tags (see layout.go): the
// fields are sent in their order, and a test checks them against the
// script's header and against the indices its code reads.
//
// The scripts build no key name themselves: they write KEY.job(id),
// KEY.queue(name), KEY.queues..., which are expanded from package keys when
// a script is loaded (see keynames.go).
package scripts

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

//go:embed *.lua
var sources embed.FS

// ErrArgs is wrapped by the errors of a call whose arguments do not fit its
// script's layout.
var ErrArgs = errors.New("scripts: arguments do not fit the script")

// ErrReply is wrapped by the errors of a call whose script answered
// something its wrapper cannot read.
var ErrReply = errors.New("scripts: unexpected reply")

// script is one Lua script run with the arguments A.
type script[A any] struct {
	desc
	lua *redis.Script
}

// desc describes a script for the tests: its files and its layout.
type desc struct {
	file  string   // the script's own file, whose header documents its layout
	files []string // the files of its text, in order: shared snippets first
	args  reflect.Type
	slots []slot
}

// all holds every script, in the order they are defined.
var all []desc

// checker is implemented by arguments that must agree among themselves (a
// count and its lists, say) beyond what their layout says.
type checker interface {
	check() error
}

// newScript defines the script whose own file is the last of files, the
// others being the snippets it uses. It panics on a layout that A's tags
// do not describe well: a programming error, found by any test.
func newScript[A any](files ...string) *script[A] {
	t := reflect.TypeFor[A]()
	slots, err := parseSlots(t)
	if err != nil {
		panic(fmt.Sprintf("scripts: %s: %v", t, err))
	}
	var text []string
	for _, f := range files {
		b, err := sources.ReadFile(f)
		if err == nil {
			var src string
			src, err = expandKeys(string(b))
			text = append(text, src)
		}
		if err != nil {
			panic(fmt.Sprintf("scripts: %s: %v", f, err))
		}
	}
	d := desc{file: files[len(files)-1], files: files, args: t, slots: slots}
	all = append(all, d)
	return &script[A]{desc: d, lua: redis.NewScript(strings.Join(text, "\n"))}
}

// run runs the script with a, as its layout sends it. Errors from Redis,
// redis.Nil included, are returned as they are.
func (s *script[A]) run(ctx context.Context, rdb redis.Scripter, a A) (any, error) {
	boxed := any(a) // once, for both uses
	if c, ok := boxed.(checker); ok {
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrArgs, s.file, err)
		}
	}
	buf := buffers.Get().(*callBuffers)
	keys, argv, err := marshalInto(s.slots, reflect.ValueOf(boxed), buf.keys[:0], buf.argv[:0])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrArgs, s.file, err)
	}
	res, err := s.lua.Run(ctx, rdb, keys, argv...).Result()
	buf.keep(keys, argv)
	return res, err
}

// callBuffers are the KEYS and ARGV slices of a call, kept for the next
// once the call is done: go-redis copies them into its command.
type callBuffers struct {
	keys []string
	argv []any
}

var buffers = sync.Pool{New: func() any { return new(callBuffers) }}

// maxKeptItems is the most KEYS or ARGV that callBuffers keep: the slices
// of a call with more (a worker on thousands of queues) are dropped.
const maxKeptItems = 256

// keep empties keys and argv and puts them back in the pool.
func (b *callBuffers) keep(keys []string, argv []any) {
	if cap(keys) > maxKeptItems || cap(argv) > maxKeptItems {
		return
	}
	clear(keys)
	clear(argv)
	b.keys, b.argv = keys[:0], argv[:0]
	buffers.Put(b)
}

// maxReplyShown is how many bytes of a reply that cannot be read its
// error shows.
const maxReplyShown = 200

// replyError reports a reply of the script that its wrapper cannot read,
// on one line and cut short: it may hold anything, of any size.
func (s *script[A]) replyError(reply any) error {
	shown := fmt.Sprintf("%#v", reply)
	if len(shown) > maxReplyShown {
		shown = strings.ToValidUTF8(shown[:maxReplyShown], "") + "..."
	}
	return fmt.Errorf("%w from %s: %s", ErrReply, s.file, shown)
}
