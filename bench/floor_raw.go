package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// rawConn is a bare connection to Redis, for a ceiling that leaves out
// every client-side cost but writing bytes and reading replies: commands
// are written as RESP bytes made beforehand, and replies are read and
// dropped, only checked not to be errors.
type rawConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// ReplyError is an error reply from Redis on a raw connection.
type ReplyError struct{ Msg string }

func (e *ReplyError) Error() string { return "redis: " + e.Msg }

// dialRaw connects to the Redis of opts and selects its database.
func dialRaw(ctx context.Context, opts *redis.Options) (*rawConn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	network := opts.Network
	if network == "" {
		network = "tcp"
	}
	var conn net.Conn
	var err error
	if opts.TLSConfig != nil {
		conn, err = (&tls.Dialer{NetDialer: d, Config: opts.TLSConfig}).DialContext(ctx, network, opts.Addr)
	} else {
		conn, err = d.DialContext(ctx, network, opts.Addr)
	}
	if err != nil {
		return nil, err
	}
	rc := &rawConn{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	var setup [][]any
	switch {
	case opts.Username != "":
		setup = append(setup, []any{"auth", opts.Username, opts.Password})
	case opts.Password != "":
		setup = append(setup, []any{"auth", opts.Password})
	}
	setup = append(setup, []any{"select", strconv.Itoa(opts.DB)})
	if err := rc.do(appendRESP(nil, setup), len(setup)); err != nil {
		conn.Close()
		return nil, err
	}
	return rc, nil
}

func (rc *rawConn) Close() error { return rc.conn.Close() }

// do writes wire, which holds n commands, and reads their n replies. It
// returns the first error reply, after reading them all.
func (rc *rawConn) do(wire []byte, n int) error {
	if _, err := rc.conn.Write(wire); err != nil {
		return err
	}
	return skipReplies(rc.r, n)
}

// appendRESP appends commands, each its arguments as strings, to b as
// Redis reads them.
func appendRESP(b []byte, cmds [][]any) []byte {
	for _, args := range cmds {
		b = append(b, '*')
		b = strconv.AppendInt(b, int64(len(args)), 10)
		b = append(b, '\r', '\n')
		for _, a := range args {
			s := a.(string)
			b = append(b, '$')
			b = strconv.AppendInt(b, int64(len(s)), 10)
			b = append(b, '\r', '\n')
			b = append(b, s...)
			b = append(b, '\r', '\n')
		}
	}
	return b
}

// skipReply reads one RESP2 reply and drops it; an error reply, even
// inside an array (EXEC's), is returned as a *ReplyError once the whole
// reply is read.
func skipReply(r *bufio.Reader) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("redis: malformed reply %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', ':':
		return nil
	case '-':
		return &ReplyError{Msg: string(body)}
	case '$':
		n, err := strconv.Atoi(string(body))
		switch {
		case err != nil:
			return err
		case n < 0: // a null
			return nil
		}
		_, err = r.Discard(n + 2)
		return err
	case '*':
		n, err := strconv.Atoi(string(body))
		if err != nil {
			return err
		}
		return skipReplies(r, max(n, 0)) // -1 is a null
	}
	return fmt.Errorf("redis: unknown reply type %q", line[0])
}

// skipReplies reads n replies and drops them; it returns the first error
// reply once all are read, or the first other error at once.
func skipReplies(r *bufio.Reader, n int) error {
	var first error
	for range n {
		err := skipReply(r)
		var re *ReplyError
		if err != nil && !errors.As(err, &re) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}
