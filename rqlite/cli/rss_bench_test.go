//go:build linux

package cli

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The benchmarks of this file measure how much memory the rq command, as
// a process, takes above its idle size when it meets hostile data written
// straight into Redis: zlib bombs in a job's data and exc_info and in a
// result's exc_string, pickles that share one list millions of times, and
// lists nested deeply; each just beyond and just within its limit. The
// metric is the peak resident set (VmHWM in /proc/PID/status) minus the
// resident set once the process is idle (VmRSS), in MiB; the target is to
// stay under 64 MiB.
//
//	go test ./rqlite/cli -run '^$' -bench PeakRSS -benchtime 1x
//
// Each case runs in a fresh process, so that one case's peak does not hide
// the next one's.

// rssLimit is MaxDecompressed by default, the most a zlib field inflates to.
const rssLimit = rqlite.DefaultMaxDecompressed

// rssCase is one hostile job: the fields of its hash, and what else to
// write for it.
type rssCase struct {
	name   string
	fields []any
	// result, if set, is the fields of a result entry of the job
	// (rq:results:ID), for the dashboard.
	result []any
}

// rssCases returns the hostile jobs, all pickled as Python RQ writes them.
func rssCases(b *testing.B) []rssCase {
	b.Helper()
	const ts = "2026-11-27T09:33:38.094805Z"
	small := rssZlib(b, rssCall("rss.nothing", nil)) // a call of no task
	bomb := rssZeros(b, 100<<20)                     // 100 MiB of zeros, ~100 KB
	under := rssLimit - 4<<10                        // just within MaxDecompressed
	cases := []rssCase{
		{name: "data-bomb-100MiB", fields: []any{"data", bomb}},
		{name: "data-zeros-8MiB-4KiB", fields: []any{"data", rssZeros(b, under)}},
		{name: "data-str-8MiB-4KiB", fields: []any{"data", rssZlib(b, rssCall("rss.nothing", rssBigStr(under-64)))}},
		{name: "data-zeros-32MiB", fields: []any{"data", rssZeros(b, 32<<20)}},
		{name: "data-zeros-16MiB", fields: []any{"data", rssZeros(b, 16<<20)}},
		{name: "data-str-32MiB", fields: []any{"data", rssZlib(b, rssCall("rss.nothing", rssBigStr(32<<20)))}},
		{name: "data-str-16MiB", fields: []any{"data", rssZlib(b, rssCall("rss.nothing", rssBigStr(16<<20)))}},
		{name: "data-shared-2^41", fields: []any{"data", rssZlib(b, rssShared(40))}},
		{name: "data-shared-2^23", fields: []any{"data", rssZlib(b, rssShared(22))}},
		{name: "data-shared-2^20", fields: []any{"data", rssZlib(b, rssShared(19))}},
		{name: "data-dicts-100k", fields: []any{"data", rssZlib(b, rssCall("rss.nothing", rssMany("}", rqlite.DefaultMaxItems-10)))}},
		{name: "data-lists-100k", fields: []any{"data", rssZlib(b, rssCall("rss.nothing", rssMany("]", rqlite.DefaultMaxItems-10)))}},
		{name: "data-deep-3M", fields: []any{"data", rssZlib(b, rssDeep(3_000_000))}},
		{name: "data-deep-9998", fields: []any{"data", rssZlib(b, rssDeep(9998))}},
		{name: "exc_info-bomb-100MiB", fields: []any{"data", small, "exc_info", bomb}},
		{name: "exc_info-8MiB-4KiB", fields: []any{"data", small, "exc_info", rssZeros(b, under)}},
		{name: "exc_info-16MiB", fields: []any{"data", small, "exc_info", rssZeros(b, 16<<20)}},
		{name: "result-exc-bomb-100MiB", fields: []any{"data", small},
			result: []any{"type", "2", "exc_string", base64.StdEncoding.EncodeToString([]byte(bomb))}},
		{name: "result-exc-8MiB-4KiB", fields: []any{"data", small},
			result: []any{"type", "2", "exc_string", base64.StdEncoding.EncodeToString([]byte(rssZeros(b, under)))}},
		{name: "result-exc-16MiB", fields: []any{"data", small},
			result: []any{"type", "2", "exc_string", base64.StdEncoding.EncodeToString([]byte(rssZeros(b, 16<<20)))}},
		{name: "result-value-shared-2^23", fields: []any{"data", small},
			result: []any{"type", "1", "return_value", base64.StdEncoding.EncodeToString(rssShared(22))}},
	}
	for i := range cases {
		cases[i].fields = append([]any{"status", "queued", "created_at", ts, "enqueued_at", ts,
			"description", cases[i].name}, cases[i].fields...)
	}
	return cases
}

// rssCall pickles (name, None, [arg], {}), or (name, None, [], {}) for a
// nil arg, arg being pickled already.
func rssCall(name string, arg []byte) []byte {
	var p bytes.Buffer
	p.WriteString("\x80\x04(\x8c")
	p.WriteByte(byte(len(name)))
	p.WriteString(name)
	p.WriteString("N]")
	if arg != nil {
		p.Write(arg)
		p.WriteString("a")
	}
	p.WriteString("}t.")
	return p.Bytes()
}

// rssBigStr pickles a str of n letters (BINUNICODE).
func rssBigStr(n int) []byte {
	p := make([]byte, 5, 5+n)
	p[0] = 'X'
	binary.LittleEndian.PutUint32(p[1:], uint32(n))
	return append(p, bytes.Repeat([]byte("x"), n)...)
}

// rssMany is a list of n values made by the pickle opcode op (an empty
// dict, an empty list), distinct: the most a call may hold within
// MaxItems.
func rssMany(op string, n int) []byte {
	return []byte("(" + strings.Repeat(op, n) + "l")
}

// rssShared is the call ("test.sum", None, [b], {}) with b = [] and then n
// times b = (b, b): 2**(n+1)-1 lists and tuples in a few bytes.
func rssShared(n int) []byte {
	return []byte("\x80\x04(\x8c\x08test.sumN]]" + strings.Repeat("2\x86", n) + "a}t.")
}

// rssDeep is the call ("test.sum", None, [[[...]]], {}), lists n deep.
func rssDeep(n int) []byte {
	return []byte("\x80\x04(\x8c\x08test.sumN" + strings.Repeat("]", n+1) + strings.Repeat("a", n) + "}t.")
}

func rssZlib(b *testing.B, p []byte) string {
	b.Helper()
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if _, err := w.Write(p); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.String()
}

// rssZeros is n zero bytes, compressed.
func rssZeros(b *testing.B, n int) string {
	b.Helper()
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	for ; n > 0; n -= len(zero) {
		if _, err := w.Write(zero[:min(n, len(zero))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.String()
}

// rssBench is what the benchmarks of one run share: the rq command and a
// Redis database.
type rssBench struct {
	bin string
	url string
	rdb *redis.Client
	ctx context.Context
}

func newRSSBench(b *testing.B) *rssBench {
	b.Helper()
	bin := rqtest.BuildRQ(b)
	url := rqtest.URL(b)
	opts, err := redis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	b.Cleanup(func() { rdb.Close() })
	b.Logf("Redis: %s", rqtest.Kind(b))
	return &rssBench{bin: bin, url: url, rdb: rdb, ctx: context.Background()}
}

// push writes job id of queue q as c says, and queues it.
func (r *rssBench) push(b *testing.B, q, id string, c rssCase) {
	b.Helper()
	fields := append([]any{"origin", q}, c.fields...)
	if err := r.rdb.HSet(r.ctx, "rq:job:"+id, fields...).Err(); err != nil {
		b.Fatal(err)
	}
	if c.result != nil {
		if err := r.rdb.XAdd(r.ctx, &redis.XAddArgs{Stream: "rq:results:" + id, Values: c.result}).Err(); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.rdb.RPush(r.ctx, "rq:queue:"+q, id).Err(); err != nil {
		b.Fatal(err)
	}
	if err := r.rdb.SAdd(r.ctx, "rq:queues", "rq:queue:"+q).Err(); err != nil {
		b.Fatal(err)
	}
}

// rssCap is the most resident memory a process of a case may take, it
// or one of its horses: beyond it, the process is killed and the case
// reports rssCap as its peak, a lower bound, so that a case that goes
// astray cannot exhaust the memory of the machine.
const rssCap = 2 << 30

// rssProc is a started rq command.
type rssProc struct {
	cmd    *exec.Cmd
	log    *rqtest.Buffer
	exited <-chan struct{}
	capped atomic.Bool // killed for going beyond rssCap
}

// start starts the rq command with args; it is stopped when b ends.
func (r *rssBench) start(b *testing.B, args ...string) *rssProc {
	b.Helper()
	cmd := exec.Command(r.bin, append([]string{"-u", r.url, "-S", "pickle"}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); name != "REDIS_URL" && name != "GOGC" && name != "GOMEMLIMIT" {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	log := &rqtest.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	p := &rssProc{cmd: cmd, log: log, exited: done}
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			for _, pid := range append(children(cmd.Process.Pid), cmd.Process.Pid) {
				if rss, _, err := procMem(pid); err == nil && rss > rssCap {
					p.capped.Store(true)
					syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					return
				}
			}
		}
	}()
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // and its horses
		<-done
	})
	return p
}

// procMem returns VmRSS and VmHWM of process pid, in bytes.
func procMem(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, val, ok := strings.Cut(s.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %v", s.Text(), err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("no VmRSS or VmHWM in /proc/%d/status (a zombie?)", pid)
	}
	return rss, hwm, s.Err()
}

// children returns the pids of the children of process pid.
func children(pid int) []int {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var pids []int
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(field); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids
}

// settle waits until the resident set of pid stops changing and returns it.
func settle(b *testing.B, pid int) int64 {
	b.Helper()
	var last int64
	for range 40 {
		time.Sleep(50 * time.Millisecond)
		rss, _, err := procMem(pid)
		if err != nil {
			b.Fatal(err)
		}
		if rss == last {
			break
		}
		last = rss
	}
	return last
}

// horsePeaks samples the VmHWM of the children of a worker, the work horses,
// until stop is called, which returns the largest seen and the idle RSS of
// the horse it belongs to: a horse may be replaced, taking its VmHWM along.
type horsePeaks struct {
	mu   sync.Mutex
	idle map[int]int64 // the first VmRSS seen of each horse
	peak map[int]int64
	stop chan struct{}
	done chan struct{}
}

func watchHorses(worker int) *horsePeaks {
	h := &horsePeaks{idle: map[int]int64{}, peak: map[int]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			h.sample(worker)
			select {
			case <-h.stop:
				h.sample(worker)
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *horsePeaks) sample(worker int) {
	for _, pid := range children(worker) {
		rss, hwm, err := procMem(pid)
		if err != nil {
			continue
		}
		h.mu.Lock()
		if _, ok := h.idle[pid]; !ok {
			h.idle[pid] = rss
		}
		h.peak[pid] = max(h.peak[pid], hwm)
		h.mu.Unlock()
	}
}

// reset forgets the horses seen so far but their idle RSS, read again.
func (h *horsePeaks) reset(b *testing.B, worker int) {
	b.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.idle)
	clear(h.peak)
	for _, pid := range children(worker) {
		rss, hwm, err := procMem(pid)
		if err == nil {
			h.idle[pid], h.peak[pid] = rss, hwm
		}
	}
}

// result returns the largest peak above idle among the horses, with the
// idle RSS and peak of that horse, and how many horses were seen.
func (h *horsePeaks) result() (idle, peak, above int64, n int) {
	close(h.stop)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	for pid, p := range h.peak {
		if d := p - h.idle[pid]; d >= above {
			idle, peak, above = h.idle[pid], p, d
		}
	}
	return idle, peak, above, len(h.peak)
}

const mib = 1 << 20

// rssSeq numbers the queues and jobs of the cases, so that no two runs of
// a case (-count) share them, even on one database.
var rssSeq atomic.Int64

// BenchmarkWorkerPeakRSS: a worker (rq worker) and, with --isolated, its
// work horse, each meets one hostile job, that must end failed.
func BenchmarkWorkerPeakRSS(b *testing.B) {
	r := newRSSBench(b)
	cases := rssCases(b)
	for _, isolated := range []bool{false, true} {
		mode := "inproc"
		if isolated {
			mode = "isolated"
		}
		for _, c := range cases {
			if c.result != nil {
				continue // only the dashboard reads results
			}
			b.Run(mode+"/"+c.name, func(b *testing.B) {
				var idle, peak, above, hIdle, hPeak, hAbove int64
				for i := 0; i < b.N; i++ {
					wi, wp, hi, hp := r.workerCase(b, c, isolated, fmt.Sprintf("%s-%s-%d", mode, c.name, rssSeq.Add(1)))
					if wp-wi >= above {
						idle, peak, above = wi, wp, wp-wi
					}
					if hp-hi >= hAbove {
						hIdle, hPeak, hAbove = hi, hp, hp-hi
					}
				}
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(float64(idle)/mib, "idle-MB")
				b.ReportMetric(float64(peak)/mib, "peak-MB")
				b.ReportMetric(float64(above)/mib, "peak-MB-above-idle")
				if isolated {
					b.ReportMetric(float64(hIdle)/mib, "horse-idle-MB")
					b.ReportMetric(float64(hPeak)/mib, "horse-peak-MB")
					b.ReportMetric(float64(hAbove)/mib, "horse-peak-MB-above-idle")
				}
			})
		}
	}
}

// workerCase starts a worker on a queue of its own, waits until it is
// idle, pushes the job of c, waits until the job fails, and returns the
// worker's idle RSS and VmHWM, and those of its horse (0 when in-process).
func (r *rssBench) workerCase(b *testing.B, c rssCase, isolated bool, q string) (idle, peak, horseIdle, horsePeak int64) {
	b.Helper()
	args := []string{"worker", "--name", q, "--worker-ttl", "60"}
	if isolated {
		args = append(args, "--isolated")
	}
	p := r.start(b, append(args, q)...)
	cmd, log := p.cmd, p.log
	pid := cmd.Process.Pid
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := r.rdb.SIsMember(r.ctx, "rq:workers", "rq:worker:"+q).Result()
		if err != nil {
			b.Fatal(err)
		}
		if ok && (!isolated || len(children(pid)) > 0) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the worker did not start; its output:\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var horses *horsePeaks
	if isolated {
		horses = watchHorses(pid)
	}
	idle = settle(b, pid)
	if isolated {
		for _, h := range children(pid) {
			settle(b, h)
		}
		horses.reset(b, pid)
	}

	id := "rss-" + q
	r.push(b, q, id, c)
	deadline = time.Now().Add(2 * time.Minute)
	for {
		st, err := r.rdb.HGet(r.ctx, "rq:job:"+id, "status").Result()
		if err != nil {
			b.Fatal(err)
		}
		if st == "failed" {
			break
		}
		select {
		case <-p.exited:
			if p.capped.Load() {
				b.Logf("%s: killed beyond %d MiB of RSS; reporting that as its peak", c.name, rssCap/mib)
				return idle, rssCap, 0, 0
			}
			b.Fatalf("the worker exited; job %s is %s; its output:\n%s", id, st, log)
		default:
		}
		if st == "finished" || time.Now().After(deadline) {
			b.Fatalf("job %s is %s; the worker's output:\n%s", id, st, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, peak, err := procMem(pid)
	if err != nil {
		b.Fatalf("%v; the worker's output:\n%s", err, log)
	}
	if isolated {
		var n int
		horseIdle, horsePeak, _, n = horses.result()
		if n == 0 {
			b.Fatalf("no horse seen; the worker's output:\n%s", log)
		}
	}
	exc := r.rdb.HGet(r.ctx, "rq:job:"+id, "exc_info").Val()
	if es := r.rdb.XRevRangeN(r.ctx, "rq:results:"+id, "+", "-", 1).Val(); len(es) == 1 {
		s, _ := es[0].Values["exc_string"].(string)
		z, _ := base64.StdEncoding.DecodeString(s)
		exc = string(z)
	}
	if e, err := zlib.NewReader(strings.NewReader(exc)); err == nil {
		line, _ := io.ReadAll(io.LimitReader(e, 4096))
		exc = string(line)
	}
	exc = exc[strings.LastIndex(strings.TrimRight(exc, "\n"), "\n")+1:]
	b.Logf("%s: worker idle %.1f MiB, peak %.1f MiB; horse idle %.1f MiB, peak %.1f MiB; failed with %.300s",
		c.name, float64(idle)/mib, float64(peak)/mib, float64(horseIdle)/mib, float64(horsePeak)/mib, strings.TrimSpace(exc))
	return idle, peak, horseIdle, horsePeak
}

// BenchmarkDashboardPeakRSS: rq dashboard shows each hostile job: its
// page, then its queue's page.
func BenchmarkDashboardPeakRSS(b *testing.B) {
	r := newRSSBench(b)
	for _, c := range rssCases(b) {
		b.Run(c.name, func(b *testing.B) {
			var idle, peak, above int64
			for i := 0; i < b.N; i++ {
				di, dp := r.dashboardCase(b, c, fmt.Sprintf("dash-%s-%d", c.name, rssSeq.Add(1)))
				if dp-di >= above {
					idle, peak, above = di, dp, dp-di
				}
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(idle)/mib, "idle-MB")
			b.ReportMetric(float64(peak)/mib, "peak-MB")
			b.ReportMetric(float64(above)/mib, "peak-MB-above-idle")
		})
	}
}

// dashboardCase pushes the job of c on queue q, starts a dashboard of q,
// waits until it is idle, then asks for the job's page and the queue's,
// and returns the idle RSS and the VmHWM after both.
func (r *rssBench) dashboardCase(b *testing.B, c rssCase, q string) (idle, peak int64) {
	b.Helper()
	id := "rss-" + q
	r.push(b, q, id, c)
	addr := fmt.Sprintf("127.0.0.1:%d", rqtest.FreePort(b))
	p := r.start(b, "dashboard", "--listen", addr, q)
	cmd, log := p.cmd, p.log
	pid := cmd.Process.Pid
	client := &http.Client{Timeout: 2 * time.Minute}
	get := func(path string) (int, int) {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Host = addr
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, int(n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if status, _ := get("/static/none"); status != 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the dashboard did not start; its output:\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	idle = settle(b, pid)
	var notes []string
	for _, path := range []string{"/jobs/" + id, "/queues/" + q} {
		status, n := get(path)
		_, hwm, err := procMem(pid)
		if err != nil && p.capped.Load() {
			b.Logf("%s: GET %s: killed beyond %d MiB of RSS; reporting that as its peak", c.name, path, rssCap/mib)
			return idle, rssCap
		}
		if err != nil {
			b.Fatalf("%v; the dashboard's output:\n%s", err, log)
		}
		notes = append(notes, fmt.Sprintf("%s: %d, %d bytes, %.1f MiB above idle", path, status, n, float64(hwm-idle)/mib))
		peak = hwm
	}
	b.Logf("%s: idle %.1f MiB, peak %.1f MiB; %s", c.name, float64(idle)/mib, float64(peak)/mib, strings.Join(notes, "; "))
	return idle, peak
}
