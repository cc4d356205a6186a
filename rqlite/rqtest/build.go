package rqtest

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildRQ builds the repository's rq command (./cmd/rq, with the
// tutorial's tasks) into a directory of tb's, removed when tb ends, and
// returns its path. Go's build cache makes the builds after the first one
// quick.
func BuildRQ(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "rq")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/colasrq/rqlite-tutorial/cmd/rq").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build ./cmd/rq: %v\n%s", err, out)
	}
	return bin
}
