package rqlitetutorial_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// These tests start redis-server (and redis-sentinel) processes of their
// own on free loopback ports, configured as each test needs: with ACL
// users, with TLS, or as a master, a replica and three sentinels.

// redisServer starts redis-server with args, in which "{port}" stands for
// a free port, and returns that port. url (with %d for the port) is how to
// reach it, with its credentials. Since another test process may take the
// same free port at the same time, the server that answers must report
// our process ID, or the test tries another port.
func redisServer(t *testing.T, binary, url string, args ...string) int {
	t.Helper()
	path, err := exec.LookPath(binary)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI", binary)
		}
		t.Skipf("%s is not installed", binary)
	}
	for attempt := 0; ; attempt++ {
		port := rqtest.FreePort(t)
		cmdArgs := make([]string, len(args))
		for i, a := range args {
			cmdArgs[i] = strings.ReplaceAll(a, "{port}", fmt.Sprint(port))
		}
		if binary == "redis-server" {
			cmdArgs = append(cmdArgs, "--dir", t.TempDir()) // a replica writes what it syncs
		}
		cmd := exec.Command(path, cmdArgs...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		deadline := time.Now().Add(20 * time.Second)
		for {
			pid, err := serverPID(fmt.Sprintf(url, port))
			if err == nil && pid == cmd.Process.Pid {
				return port
			}
			select {
			case <-exited:
			default:
				if time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
					continue
				}
			}
			if attempt < 3 {
				break // the port was taken: try another one
			}
			t.Fatalf("%s did not start: %v\n%s", binary, err, out.String())
		}
	}
}

// serverPID returns the process ID of the Redis at url.
func serverPID(url string) (int, error) {
	conn, err := rqlite.ParseConnection(url)
	if err != nil {
		return 0, err
	}
	if conn.Sentinel != nil {
		conn = rqlite.Connection{Server: &redis.Options{Addr: conn.Sentinel.SentinelAddrs[0]}}
	}
	c := conn.NewClient()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			var pid int
			_, err := fmt.Sscan(v, &pid)
			return pid, err
		}
	}
	return 0, fmt.Errorf("no process_id in INFO")
}

// rqRun runs the rq binary and returns its output and exit error.
func rqRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(buildCommands(t), "rq"), args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TAREAS_SEGUNDO=1ms")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func mustRQ(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := rqRun(t, args...)
	if err != nil {
		t.Fatalf("rq %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out + errOut
}

// TestACLAndPasswordsNeverShown runs rq against a Redis that requires an
// ACL user: it works from a URL and from a configuration file, and the
// password never appears in any output or error.
func TestACLAndPasswordsNeverShown(t *testing.T) {
	port := redisServer(t, "redis-server", "redis://alice:s3cr3t-pw@127.0.0.1:%d/0",
		"--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--user", "default", "off", "--user", "alice", "on", ">s3cr3t-pw", "~*", "&*", "+@all")
	url := fmt.Sprintf("redis://alice:s3cr3t-pw@127.0.0.1:%d/0", port)
	config := filepath.Join(t.TempDir(), "colas.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf("default:\n  HOST: 127.0.0.1\n  PORT: %d\n  USERNAME: alice\n  PASSWORD: s3cr3t-pw\n", port)), 0o600); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	all.WriteString(mustRQ(t, "-u", url, "enqueue", "tareas.sumar", ":1", ":2"))
	all.WriteString(mustRQ(t, "-c", config, "enqueue", "tareas.sumar", ":3", ":4"))
	all.WriteString(mustRQ(t, "-u", url, "worker", "--burst", "-v"))
	all.WriteString(mustRQ(t, "-u", url, "info"))
	all.WriteString(mustRQ(t, "-c", config, "stats", "--json"))
	all.WriteString(mustRQ(t, "-c", config, "stats", "--yaml"))
	if !strings.Contains(all.String(), `"finished_jobs": 2`) || !strings.Contains(all.String(), `"username": "alice"`) {
		t.Errorf("the jobs did not run through the ACL user:\n%s", all.String())
	}
	// A wrong password: one line, without it.
	out, errOut, err := rqRun(t, "-u", fmt.Sprintf("redis://alice:wrong-pw@127.0.0.1:%d/0", port), "info")
	if err == nil || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.HasPrefix(errOut, "Error: cannot connect to Redis") {
		t.Errorf("a wrong password: %v, %q", err, errOut)
	}
	all.WriteString(out + errOut)
	_, err = rqlite.Connect(context.Background(), fmt.Sprintf("redis://alice:wrong-pw@127.0.0.1:%d/0", port))
	all.WriteString(fmt.Sprint(err))
	for _, secret := range []string{"s3cr3t-pw", "wrong-pw"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("a password was shown:\n%s", all.String())
		}
	}
}

// TestTLS runs rq against a Redis that only speaks TLS, from a rediss://
// URL and from a configuration file, trusting a certificate authority of
// the test's own.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := writeCertificates(t, dir)
	port := redisServer(t, "redis-server", "rediss://127.0.0.1:%d/0?ssl_ca_certs="+ca,
		"--port", "0", "--tls-port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no")
	url := fmt.Sprintf("rediss://127.0.0.1:%d/0?ssl_ca_certs=%s", port, ca)
	config := filepath.Join(dir, "colas.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf("default:\n  HOST: 127.0.0.1\n  PORT: %d\n  SSL: true\n  SSL_CA_CERTS: %s\n", port, ca)), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRQ(t, "-u", url, "enqueue", "tareas.sumar", ":1", ":2")
	mustRQ(t, "-c", config, "enqueue", "tareas.sumar", ":3", ":4")
	mustRQ(t, "-u", url, "worker", "--burst")
	if out := mustRQ(t, "-c", config, "stats", "--json"); !strings.Contains(out, `"finished_jobs": 2`) {
		t.Errorf("rq stats over TLS: %s", out)
	}
	// Without the authority, the server's certificate is refused.
	if _, errOut, err := rqRun(t, "-u", fmt.Sprintf("rediss://127.0.0.1:%d/0", port), "info"); err == nil || !strings.Contains(errOut, "certificate") {
		t.Errorf("an unknown certificate was accepted: %v %s", err, errOut)
	}
}

// writeCertificates writes a certificate authority and a server
// certificate for 127.0.0.1 signed by it, and returns their paths.
func writeCertificates(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rqlite test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	caCert, _ := x509.ParseCertificate(caDER)
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	write := func(name, kind string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER), write("server.key", "EC PRIVATE KEY", keyDER)
}

// TestSentinelFailover runs a worker that reaches its Redis through three
// Sentinels, fails the master over to its replica in the middle of the
// work, and checks that every job still ends exactly once.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("a Sentinel failover takes several seconds")
	}
	ctx := context.Background()
	master := redisServer(t, "redis-server", "redis://127.0.0.1:%d/0",
		"--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	redisServer(t, "redis-server", "redis://127.0.0.1:%d/0",
		"--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--replicaof", "127.0.0.1", fmt.Sprint(master))
	var sentinels []string
	for range 3 {
		conf := filepath.Join(t.TempDir(), "sentinel.conf")
		text := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n", master)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		port := redisServer(t, "redis-sentinel", "redis://127.0.0.1:%d/0", conf, "--port", "{port}", "--bind", "127.0.0.1")
		sentinels = append(sentinels, fmt.Sprintf("127.0.0.1:%d", port))
	}
	url := fmt.Sprintf("redis://%s/0?master_name=mymaster&addr=%s&addr=%s", sentinels[0], sentinels[1], sentinels[2])
	conn, err := rqlite.ParseConnection(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := conn.NewClient()
	defer rdb.Close()
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: sentinels[0]})
	defer sentinel.Close()
	rqtest.WaitFor(t, time.Minute, "the sentinels to see the replica", func() bool {
		replicas, err := sentinel.Replicas(ctx, "mymaster").Result()
		return err == nil && len(replicas) == 1
	})

	const jobs = 300
	q := rqlite.NewQueue("default", rdb, nil)
	calls := make([]rqlite.Call, jobs)
	for i := range calls {
		calls[i] = rqlite.Call{Func: "tareas.sumar", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{i, 1}, JobID: fmt.Sprint("s", i)}}
	}
	if _, err := q.EnqueueMany(ctx, calls[:jobs/2]); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprint("sentinel-worker-", os.Getpid())
	worker := exec.Command(filepath.Join(buildCommands(t), "rq"), "-u", url, "worker", "-n", name)
	var log bytes.Buffer
	worker.Stdout, worker.Stderr = &log, &log
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	defer worker.Process.Kill()
	rqtest.WaitFor(t, time.Minute, "the first half of the jobs to finish", func() bool {
		n, err := q.Registry(rqlite.Finished).Count(ctx)
		if time.Since(started) > 45*time.Second {
			t.Fatalf("the worker does not work (%v, %d finished):\n%s", err, n, log.String())
		}
		return n == jobs/2
	})
	// Replication is asynchronous: a failover may lose the master's last
	// writes, and a job would then run again (at least once, not exactly
	// once). Wait until the replica has them all.
	if err := rdb.Do(ctx, "WAIT", 1, 10000).Err(); err != nil {
		t.Fatal(err)
	}

	// The replica becomes the master.
	if err := sentinel.Failover(ctx, "mymaster").Err(); err != nil {
		t.Fatal(err)
	}
	rqtest.WaitFor(t, time.Minute, "the new master", func() bool {
		addr, err := sentinel.GetMasterAddrByName(ctx, "mymaster").Result()
		return err == nil && addr[1] != fmt.Sprint(master)
	})
	// Until Sentinel has turned the old master into a replica, it still
	// takes writes, which it will drop: Sentinel's failover is
	// asynchronous. Wait for it, so that the test measures rqlite, not that
	// window.
	old := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", master)})
	defer old.Close()
	rqtest.WaitFor(t, time.Minute, "the old master to become a replica", func() bool {
		role, err := old.Do(ctx, "ROLE").Slice()
		return err == nil && len(role) > 0 && role[0] == "slave"
	})
	// The other half of the jobs, enqueued on the new master.
	rqtest.WaitFor(t, time.Minute, "enqueueing on the new master", func() bool {
		_, err := q.EnqueueMany(ctx, calls[jobs/2:])
		return err == nil
	})
	// Every job leaves the queue. Its outcome is then in the finished
	// registry of the new master, or, if the worker wrote it through a
	// connection to the old master in the moment of the switch (a write
	// that the old master, now a replica, drops), the job is still in the
	// started registry: the cleanup after its heartbeat horizon moves it to
	// failed. At least once: no job is lost.
	rqtest.WaitFor(t, time.Minute, "the queue to empty", func() bool { n, err := q.Count(ctx); return err == nil && n == 0 })
	rqtest.WaitFor(t, time.Minute, "the worker to be idle", func() bool {
		return rdb.HGet(ctx, "rq:worker:"+name, "state").Val() == "idle"
	})
	later := rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{Now: func() time.Time { return time.Now().Add(5 * time.Minute) }})
	if err := later.Registry(rqlite.Started).Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	f, _ := q.Registry(rqlite.Finished).Count(ctx)
	g, _ := q.Registry(rqlite.Failed).Count(ctx)
	if f+g != jobs {
		t.Fatalf("%d finished + %d failed, want %d jobs accounted for; worker log:\n%s", f, g, jobs, lastLines(log.String(), 15))
	}
	t.Logf("%d finished, %d failed", f, g)
	worker.Process.Signal(os.Interrupt) // a warm shut down
	if err := worker.Wait(); err != nil {
		t.Errorf("worker: %v\n%s", err, log.String())
	}
	for i := range jobs {
		id := fmt.Sprint("s", i)
		n, err := rdb.XLen(ctx, "rq:results:"+id).Result()
		if err != nil || n > 1 {
			t.Errorf("job %s has %d results (%v): it ran more than once", id, n, err)
		}
	}
	t.Logf("worker log during the failover:\n%s", lastLines(log.String(), 5))
	if strings.Count(log.String(), "(s0)") > 2 {
		t.Logf("s0 in the log:\n%s", grepLines(log.String(), "(s0)"))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
