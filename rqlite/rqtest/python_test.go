package rqtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPythonRQ2 checks that the folder PythonRQ2 returns, first on
// PYTHONPATH, gives RQ 2.x and django-rq from that folder, not Debian 12's
// RQ 1.13 and django-rq 2.7.
func TestPythonRQ2(t *testing.T) {
	python, path := PythonRQ2(t, "django_rq")
	cmd := exec.Command(python, "-c", "import rq, django_rq; print(rq.__version__); print(rq.__file__); print(django_rq.__file__)")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "2.") || !strings.HasPrefix(lines[1], path) || !strings.HasPrefix(lines[2], path) {
		t.Fatalf("with PYTHONPATH=%s, Python imports:\n%s", path, out)
	}
	t.Logf("RQ %s from %s", lines[0], path)
}
