package wire

import (
	"bytes"
	"compress/zlib"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// zeros is n zero bytes, zlib-compressed at the best level.
func zeros(tb testing.TB, n int) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	chunk := make([]byte, 1<<20)
	for ; n > 0; n -= len(chunk) {
		if _, err := w.Write(chunk[:min(n, len(chunk))]); err != nil {
			tb.Fatal(err)
		}
	}
	w.Close()
	return buf.Bytes()
}

func withMax(t *testing.T, n int64) {
	SetMaxDecompressed(n)
	t.Cleanup(func() { SetMaxDecompressed(DefaultMaxDecompressed) })
}

func TestDecompressStopsAtTheLimit(t *testing.T) {
	withMax(t, 1000)
	for _, n := range []int{0, 1, 999, 1000} {
		if out, err := Decompress(zeros(t, n)); err != nil || len(out) != n {
			t.Errorf("%d bytes: %d bytes back, %v", n, len(out), err)
		}
	}
	const want = "zlib data inflates to more than 1000 bytes, the MaxDecompressed limit"
	for _, n := range []int{1001, 5000, 10 << 20} {
		if out, err := Decompress(zeros(t, n)); err == nil || err.Error() != want {
			t.Errorf("%d bytes: %d bytes back, %v; want %q", n, len(out), err, want)
		}
	}
	// A stream cut short is still corrupt, not a short value.
	z := zeros(t, 500)
	if _, err := Decompress(z[:len(z)-3]); err == nil || !strings.HasPrefix(err.Error(), "corrupt zlib data") {
		t.Errorf("truncated: %v", err)
	}
}

// TestDecompressRoundTripsAcrossBuffers: output that spans several of
// inflate's buffers comes back whole, in order.
func TestDecompressRoundTripsAcrossBuffers(t *testing.T) {
	in := make([]byte, 3<<20)
	for i := range in {
		in[i] = byte(i * 7 / 3)
	}
	if out, err := Decompress(Compress(in)); err != nil || !bytes.Equal(out, in) {
		t.Errorf("3 MiB: %d bytes back, %v", len(out), err)
	}
}

var (
	bombOnce sync.Once
	bomb     []byte
)

// BenchmarkDecompressBomb inflates 2 MB of zlib data that would be 2 GB,
// as a hostile job's data field could be: it stops at the default limit,
// 8 MiB. It reports the bytes allocated for each (alloc-MiB/op) and the
// heap in use when it returns (heap-MiB), the bound on the worker's peak.
func BenchmarkDecompressBomb(b *testing.B) {
	bombOnce.Do(func() { bomb = zeros(b, 2<<30) })
	b.Logf("bomb: %d bytes compressed, 2 GiB inflated", len(bomb))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		if _, err := Decompress(bomb); err == nil {
			b.Fatal("the bomb inflated")
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MiB/op")
	b.ReportMetric(float64(after.HeapInuse)/(1<<20), "heap-MiB")
}
