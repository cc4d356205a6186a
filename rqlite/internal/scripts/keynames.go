package scripts

import (
	"errors"
	"fmt"
	"regexp"
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
	{"intermediate", keys.Intermediate},
	{"started", keys.Started},
	{"finished", keys.Finished},
	{"failed", keys.Failed},
	{"deferred", keys.Deferred},
	{"scheduled", keys.Scheduled},
	{"canceled", keys.Canceled},
	{"execution", keys.Execution},
	{"executions", keys.Executions},
	{"results", keys.Results},
	{"queue_slots", keys.QueueSlots},
	{"task_slots", keys.TaskSlots},
}

// keyConsts are the fixed key names of the table KEY.
var keyConsts = []struct{ lua, value string }{
	{"queues", keys.Queues},
	{"queue_limits", keys.QueueLimits},
	{"task_limits", keys.TaskLimits},
	{"limit_holders", keys.LimitHolders},
}

// The scripts write key names as KEY.job(id), KEY.queue(name),
// KEY.queues...: expandKeys replaces each, when a script is loaded, by the
// Lua expression that builds the name as package keys does ('rq:job:' ..
// (id)), and KEY.queue_name(k), the name of queue k (keys.Queue's
// inverse), by a string.sub. Expanded in the text, they cost nothing when
// a script runs (a table of functions built on each call cost Redis 5 µs
// a call).

var keyUse = regexp.MustCompile(`\bKEY\.(\w+)`)

// expandKeys expands the KEY names of Lua source src.
func expandKeys(src string) (string, error) {
	var b strings.Builder
	for {
		m := keyUse.FindStringSubmatchIndex(src)
		if m == nil {
			b.WriteString(src)
			return b.String(), nil
		}
		b.WriteString(src[:m[0]])
		name, rest := src[m[2]:m[3]], src[m[1]:]
		expr, rest, err := expandKey(name, rest)
		if err != nil {
			return "", fmt.Errorf("KEY.%s: %w", name, err)
		}
		b.WriteString(expr)
		src = rest
	}
}

// expandKey is the expression for KEY.name, whose text goes on with rest,
// and what of rest follows it.
func expandKey(name, rest string) (expr, after string, err error) {
	for _, c := range keyConsts {
		if c.lua == name {
			return luaString(c.value), rest, nil
		}
	}
	arg, after, err := callArgument(rest)
	if err != nil {
		return "", "", err
	}
	if arg, err = expandKeys(arg); err != nil {
		return "", "", err
	}
	fn := keys.Queue
	if name != "queue_name" {
		if fn = keyFunction(name); fn == nil {
			return "", "", errors.New("not a key name of package keys")
		}
	}
	before, end, err := around(fn)
	if err != nil {
		return "", "", err
	}
	if name == "queue_name" {
		return fmt.Sprintf("string.sub(%s, %d, %d)", arg, len(before)+1, -1-len(end)), after, nil
	}
	expr = luaString(before) + " .. (" + arg + ")"
	if end != "" {
		expr += " .. " + luaString(end)
	}
	return "(" + expr + ")", after, nil
}

func keyFunction(name string) func(string) string {
	for _, f := range keyFuncs {
		if f.lua == name {
			return f.fn
		}
	}
	return nil
}

// callArgument reads "(arg)" at the start of s: what the parentheses
// hold, which may hold parentheses and strings of its own, and what
// follows them.
func callArgument(s string) (arg, after string, err error) {
	if !strings.HasPrefix(s, "(") {
		return "", "", errors.New("not called")
	}
	depth, quote := 0, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth == 0 {
				return s[1:i], s[i+1:], nil
			}
		}
	}
	return "", "", errors.New("no closing parenthesis")
}

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
