package scripts

import (
	"context"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

func TestRunHeartbeat(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "j1", "default")
	rdb.RPush(ctx, keys.Queue("default"), "j1")
	start(t, ctx, rdb, "w1", "default", "j1")
	later := testNow.Add(20 * time.Second)
	err := RunHeartbeat(ctx, rdb, HeartbeatArgs{Worker: keys.Worker("w1"), Job: keys.Job("j1"),
		StartedRegistry: keys.Started("default"), JobID: "j1", NowTimestamp: wire.FormatTime(later),
		StartedScore: wire.Epoch(later) + 90, TTL: 90, JobSeconds: "20.000000", StartedMember: "j1",
		NowMicroseconds: "1714979309.000000"})
	if err != nil {
		t.Fatal(err)
	}
	if score := rdb.ZScore(ctx, keys.Started("default"), "j1").Val(); score != float64(wire.Epoch(later)+90) {
		t.Errorf("started registry score %v, want %d", score, wire.Epoch(later)+90)
	}
	w := rdb.HGetAll(ctx, keys.Worker("w1")).Val()
	if w["current_job_working_time"] != "20.000000" || w["last_heartbeat"] != wire.FormatTime(later) {
		t.Errorf("worker hash %v, want working time 20.000000 and the new heartbeat", w)
	}
	if ttl := rdb.TTL(ctx, keys.Worker("w1")).Val(); ttl <= 60*time.Second || ttl > 90*time.Second {
		t.Errorf("worker key TTL %v, want 90s", ttl)
	}
	if hb := rdb.HGet(ctx, keys.Job("j1"), "last_heartbeat").Val(); hb != wire.FormatTime(later) {
		t.Errorf("job's last_heartbeat %q, want %q", hb, wire.FormatTime(later))
	}
}
