package scripts

import (
	"regexp"
	"strings"
	"testing"
)

// boundedUnpacks are the unpacks that the scripts may do, by file: over
// lists whose length the script itself bounds. Any other (of KEYS, ARGV,
// or a list built from them) would fail past Lua's stack limit of about
// 8000 items, as unpack(KEYS, 3) failed for a worker on 8000 queues.
var boundedUnpacks = map[string][]string{
	"take.lua":   {"w.counts or {}"},   // two counters, four items
	"finish.lua": {"counts", "fields"}, // the same counters; at most six stream fields
}

var unpackCall = regexp.MustCompile(`\bunpack\s*\(([^)]*)\)`)

func TestUnpacksAreBounded(t *testing.T) {
	files, err := sources.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, f := range files {
		code := luaCode(readSource(t)(f.Name()), false)
		if strings.Count(code, "unpack") != len(unpackCall.FindAllString(code, -1)) {
			t.Errorf("%s uses unpack in a way this test cannot read", f.Name())
		}
		for _, m := range unpackCall.FindAllStringSubmatch(code, -1) {
			arg := strings.TrimSpace(m[1])
			allowed := false
			for _, a := range boundedUnpacks[f.Name()] {
				allowed = allowed || a == arg
			}
			if !allowed {
				t.Errorf("%s: unpack(%s) over a list the script does not bound; use a loop", f.Name(), arg)
			}
			seen[f.Name()+" "+arg]++
		}
	}
	for file, args := range boundedUnpacks {
		for _, a := range args {
			if seen[file+" "+a] == 0 {
				t.Errorf("%s no longer does unpack(%s): remove it from boundedUnpacks", file, a)
			}
		}
	}
}
