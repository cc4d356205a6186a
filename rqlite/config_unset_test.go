package rqlite_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// A setting that uses an environment variable that is not set is an
// *UnsetVariableError naming the variable and the queue, not an empty
// value that would put the queue on the default Redis. A variable set
// to "" is taken.
func TestParseConfigUnsetVariable(t *testing.T) {
	t.Setenv("RQLITE_TEST_EMPTY", "")
	for _, tc := range []struct{ yaml, setting, variable string }{
		{"high:\n  URL: ${RQLITE_TEST_UNSET_URL}\n", "URL", "RQLITE_TEST_UNSET_URL"},
		{"low:\n  PASSWORD: pre$RQLITE_TEST_UNSET_PW\n", "PASSWORD", "RQLITE_TEST_UNSET_PW"},
		{"s:\n  MASTER_NAME: m\n  SENTINELS: [\"${RQLITE_TEST_UNSET_S}:26379\"]\n", "SENTINELS", "RQLITE_TEST_UNSET_S"},
	} {
		_, err := rqlite.ParseConfig([]byte(tc.yaml))
		var unset *rqlite.UnsetVariableError
		if !errors.As(err, &unset) || unset.Setting != tc.setting || unset.Variable != tc.variable {
			t.Errorf("ParseConfig(%q) = %v, want an *UnsetVariableError for %s in %s", tc.yaml, err, tc.variable, tc.setting)
			continue
		}
		queue := strings.SplitN(tc.yaml, ":", 2)[0]
		if msg := err.Error(); !strings.Contains(msg, `"`+queue+`"`) || !strings.Contains(msg, tc.variable) {
			t.Errorf("ParseConfig(%q): %q does not name the queue and the variable", tc.yaml, msg)
		}
	}
	c, err := rqlite.ParseConfig([]byte("q:\n  PASSWORD: x${RQLITE_TEST_EMPTY}\n"))
	if err != nil || c.Queues[0].Password != "x" {
		t.Errorf("ParseConfig with a variable set to \"\" = %+v, %v", c, err)
	}
}
