package scripts

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestNoKeyNamesInScripts checks that no script writes a key name of its
// own: its code (comments aside, which may show RQ's layout) has no "rq:".
func TestNoKeyNamesInScripts(t *testing.T) {
	files, err := sources.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .lua file embedded")
	}
	for _, f := range files {
		code := luaCode(readSource(t)(f.Name()), false)
		for i, line := range strings.Split(code, "\n") {
			if strings.Contains(strings.ToLower(line), "rq:") {
				t.Errorf("%s:%d builds a key name; use KEY (from package keys): %s", f.Name(), i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestLuaCodeKeepsOnlyCode checks the comment stripping that the tests of
// the scripts rely on.
func TestLuaCodeKeepsOnlyCode(t *testing.T) {
	src := "-- 'rq:a'\nlocal s = 'rq:b -- c' .. \"d\\\"--\" --[[ rq:e\n]] .. [==[ rq:f ]==] -- g\nreturn s"
	code := luaCode(src, false)
	for _, want := range []string{"'rq:b -- c'", `"d\"--"`, "[==[ rq:f ]==]", "return s"} {
		if !strings.Contains(code, want) {
			t.Errorf("code %q lost %q", code, want)
		}
	}
	for _, gone := range []string{"rq:a", "rq:e", "g\n"} {
		if strings.Contains(code, gone) {
			t.Errorf("code %q kept the comment %q", code, gone)
		}
	}
	if strings.Count(code, "\n") != strings.Count(src, "\n") {
		t.Errorf("code %q does not keep the lines of %q", code, src)
	}
	if blanked := luaCode(src, true); strings.Contains(blanked, "rq:b") || strings.Contains(blanked, "rq:f") {
		t.Errorf("strings kept in %q", blanked)
	}
}

// TestKeyTableMatchesKeys runs each KEY name, expanded, in Redis and checks
// that it builds the name that package keys builds.
func TestKeyTableMatchesKeys(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	var lua strings.Builder
	lua.WriteString("local out = {}\n")
	var want []string
	for _, id := range []string{"0b6c-41", "a:b'c\\d\n\x00é"} {
		for _, f := range keyFuncs {
			fmt.Fprintf(&lua, "out[#out + 1] = KEY.%s(%s)\n", f.lua, luaString(id))
			want = append(want, f.fn(id))
		}
		fmt.Fprintf(&lua, "out[#out + 1] = KEY.queue_name(%s)\n", luaString(keys.Queue(id)))
		want = append(want, id)
	}
	for _, c := range keyConsts {
		fmt.Fprintf(&lua, "out[#out + 1] = KEY.%s\n", c.lua)
		want = append(want, c.value)
	}
	lua.WriteString("return out\n")
	src, err := expandKeys(lua.String())
	if err != nil {
		t.Fatal(err)
	}
	got, err := redis.NewScript(src).Run(ctx, rdb, nil).StringSlice()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("KEY builds\n%q\npackage keys\n%q", got, want)
	}
}

// TestScriptsUseDefinedKeys checks that the scripts use only the KEY names
// that package keys has, called as they must be; and that a name it lacks,
// or one not called, is refused.
func TestScriptsUseDefinedKeys(t *testing.T) {
	files, err := sources.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := expandKeys(readSource(t)(f.Name())); err != nil {
			t.Errorf("%s: %v", f.Name(), err)
		}
	}
	for _, bad := range []string{"KEY.nothing(id)", "KEY.job", "KEY.job(id"} {
		if got, err := expandKeys(bad); err == nil {
			t.Errorf("expandKeys(%q) = %q, want an error", bad, got)
		}
	}
	if got, err := expandKeys(`KEY.dependents(KEY.job(x) .. ')')`); err != nil ||
		got != `('rq:job:' .. (('rq:job:' .. (x)) .. ')') .. ':dependents')` {
		t.Errorf("nested and quoted: %q, %v", got, err)
	}
}

// TestLuaString checks that quoted strings reach Lua unchanged.
func TestLuaString(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	for _, s := range []string{"", "rq:job:", "it's", `a\b`, "\x00", "\x001", "\n\r\t", "é\xff", "]]"} {
		got, err := redis.NewScript("return "+luaString(s)).Run(ctx, rdb, nil).Text()
		if err != nil || got != s {
			t.Errorf("luaString(%q) = %s reads in Lua as %q, %v", s, luaString(s), got, err)
		}
	}
}
