package rqtest

import (
	"os"
	"os/exec"
	"testing"
)

// PythonRQ returns the Python interpreter that has Debian's Python RQ
// (python3-rq), for tests that check interoperability. Without it the test
// is skipped with a one-line reason; in CI (CI set), where it is installed,
// the test fails instead. modules are further modules the test needs, such
// as "django_rq".
func PythonRQ(tb testing.TB, modules ...string) string {
	tb.Helper()
	python := "/usr/bin/python3"
	for _, m := range append([]string{"rq"}, modules...) {
		if err := exec.Command(python, "-c", "import "+m).Run(); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("the Python module %s is required in CI (apt-get install python3-rq python3-django-rq)", m)
			}
			tb.Skipf("the Python module %s is not installed (apt-get install python3-rq python3-django-rq)", m)
		}
	}
	return python
}
