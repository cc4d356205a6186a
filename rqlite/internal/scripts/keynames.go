package scripts

import (
	"fmt"
	"strings"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// keyFunc is a key name that the scripts build from an ID or a queue name
// they read in Redis: in Lua, KEY.<lua>(s) returns what fn(s) returns.
type keyFunc struct {
	lua string
	fn  func(string) string
}

// keyFuncs are the functions of the table KEY.
var keyFuncs = []keyFunc{
	{"job", keys.Job},
	{"dependents", keys.Dependents},
	{"dependencies", keys.Dependencies},
	{"queue", keys.Queue},
	{"started", keys.Started},
	{"finished", keys.Finished},
	{"failed", keys.Failed},
	{"deferred", keys.Deferred},
	{"scheduled", keys.Scheduled},
	{"canceled", keys.Canceled},
	{"execution", keys.Execution},
	{"executions", keys.Executions},
}

// keyConsts are the fixed key names of the table KEY.
var keyConsts = []struct{ lua, value string }{
	{"queues", keys.Queues},
}

// preamble is the Lua text that precedes every script: it defines the
// local table KEY, whose functions build the key names as package keys
// does, and KEY.queue_name(k), the name of queue k (keys.Queue's
// inverse).
var preamble = mustPreamble()

// placeholder stands for the argument of a key function, to find the
// text around it.
const placeholder = "\x00"

// around returns the text that fn puts before and after its argument.
func around(fn func(string) string) (before, after string, err error) {
	name := fn(placeholder)
	if strings.Count(name, placeholder) != 1 {
		return "", "", fmt.Errorf("key name %q does not hold its argument once", name)
	}
	before, after, _ = strings.Cut(name, placeholder)
	return before, after, nil
}

func buildPreamble() (string, error) {
	var b strings.Builder
	b.WriteString("-- The key names, generated from package keys.\nlocal KEY = {}\n")
	for _, c := range keyConsts {
		fmt.Fprintf(&b, "KEY.%s = %s\n", c.lua, luaString(c.value))
	}
	for _, f := range keyFuncs {
		before, after, err := around(f.fn)
		if err != nil {
			return "", fmt.Errorf("KEY.%s: %w", f.lua, err)
		}
		fmt.Fprintf(&b, "KEY.%s = function(s) return %s .. s", f.lua, luaString(before))
		if after != "" {
			fmt.Fprintf(&b, " .. %s", luaString(after))
		}
		b.WriteString(" end\n")
	}
	before, after, err := around(keys.Queue)
	if err != nil {
		return "", fmt.Errorf("KEY.queue_name: %w", err)
	}
	fmt.Fprintf(&b, "KEY.queue_name = function(k) return string.sub(k, %d, %d) end\n", len(before)+1, -1-len(after))
	return b.String(), nil
}

func mustPreamble() string {
	p, err := buildPreamble()
	if err != nil {
		panic("scripts: " + err.Error())
	}
	return p
}

// luaString quotes s as a Lua 5.1 string literal, whose escapes are
// decimal (\ddd), unlike Go's.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := range len(s) {
		c := s[i]
		switch {
		case c == '\'' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			// Three digits, so that a digit after it cannot join it.
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
