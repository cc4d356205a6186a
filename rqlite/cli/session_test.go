package cli

import (
	"context"
	"strings"
	"testing"
	"time"
)

// rq's commands report a Sentinel that refuses connections at once,
// rather than after go-redis's retries (36 s).
func TestSessionUnreachableSentinelFailsFast(t *testing.T) {
	g := &globalOptions{url: "redis://127.0.0.1:1/0?master_name=mymaster", serializer: "json"}
	s, err := g.open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	start := time.Now()
	_, err = s.client(context.Background(), "default")
	if err == nil || !strings.Contains(err.Error(), "no Sentinel answers") || strings.Contains(err.Error(), "\n") {
		t.Errorf("client = %v, want one line saying no Sentinel answers", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("client took %s", elapsed)
	}
}
