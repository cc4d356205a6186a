package rqtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// RQ2PathEnv names the environment variable that gives [PythonRQ2] the
// folder holding RQ 2.3.3: the usr/lib/python3/dist-packages folder of
// Debian 13's python3-rq 2.3.3 and python3-django-rq 3.0.1, unpacked (not
// installed: that would bring Debian 13's Python). .ci/run downloads and
// unpacks them into rq2CacheDir and sets it.
const RQ2PathEnv = "RQLITE_RQ2_PATH"

// rq2CacheDir is where .ci/run unpacks RQ 2.3.3, under the user's cache
// folder (os.UserCacheDir; $XDG_CACHE_HOME or ~/.cache on Linux).
const rq2CacheDir = "rqlite-tutorial/rq-2.3.3/usr/lib/python3/dist-packages"

// PythonRQ2 returns the Python interpreter of [PythonRQ] and a folder to
// put first on its PYTHONPATH, so that it imports RQ 2.x (2.3.3) instead of
// Debian 12's RQ 1.13. The folder is $RQLITE_RQ2_PATH or, where that is
// not set, the one where .ci/run unpacks RQ 2.3.3. modules are further
// modules the test needs from it, such as "django_rq". Without RQ 2.x
// there the test is skipped with a one-line reason; in CI (CI set), where
// .ci/run provides it, the test fails instead.
func PythonRQ2(tb testing.TB, modules ...string) (python, path string) {
	tb.Helper()
	python = PythonRQ(tb)
	path, from := os.Getenv(RQ2PathEnv), RQ2PathEnv
	if path == "" {
		from = RQ2PathEnv + " unset: where .ci/run unpacks it"
		if dir, err := os.UserCacheDir(); err == nil {
			path = filepath.Join(dir, rq2CacheDir)
		}
	}
	imports := strings.Join(append([]string{"rq"}, modules...), ", ")
	cmd := exec.Command(python, "-c", "import sys, "+imports+
		"; v = rq.__version__; sys.exit(None if v.startswith('2.') else 'found RQ %s in %s' % (v, rq.__file__))")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		why := fmt.Sprintf("RQ 2.x is not importable from %s (%s): %s; .ci/run downloads Debian 13's python3-rq 2.3.3 and unpacks it there",
			path, from, lastLine(string(out)))
		if os.Getenv("CI") != "" {
			tb.Fatal(why)
		}
		tb.Skip(why)
	}
	return python, path
}

// lastLine is the last line of s: a Python traceback's error.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
