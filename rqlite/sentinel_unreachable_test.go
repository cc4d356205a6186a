package rqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// A Sentinel that refuses connections is reported at once, not after
// go-redis's retries (36 s) or Connect's 5 s limit, as a *ConnectError
// that says no Sentinel answers.
func TestConnectUnreachableSentinelFailsFast(t *testing.T) {
	start := time.Now()
	_, err := rqlite.Connect(context.Background(), "redis://127.0.0.1:1/0?master_name=mymaster&addr=127.0.0.1:2&addr=127.0.0.1:3")
	elapsed := time.Since(start)
	var ce *rqlite.ConnectError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no Sentinel answers") {
		t.Errorf("Connect = %v, want a *ConnectError saying no Sentinel answers", err)
	}
	if elapsed > 2*time.Second {
		t.Errorf("Connect took %s", elapsed)
	}
}

// Reachable waits no longer than its context for Sentinels that do not
// answer.
func TestReachableHonoursContext(t *testing.T) {
	conn, err := rqlite.ParseConnection("redis://127.0.0.1:1/0?master_name=mymaster")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := conn.Reachable(ctx); err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Reachable with a cancelled context = %v", err)
	}
}
