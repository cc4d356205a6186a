package scripts

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// This file checks that each wrapper and its script agree on KEYS and
// ARGV: the wrapper's struct tags against the script's header (count,
// order, and the field names against the header's words), and both
// against the indices that the script's code reads, its snippets included.

// usage is what a script's code reads of KEYS or of ARGV.
type usage struct {
	single map[int]bool // the indices read as KEYS[n]
	lists  []int        // where the lists read start: KEYS[n + i], unpack(KEYS, n), for i = n, #KEYS
}

var (
	singlePattern = regexp.MustCompile(`\b(KEYS|ARGV)\s*\[\s*(\d+)\s*\]`)
	offsetPattern = regexp.MustCompile(`\b(KEYS|ARGV)\s*\[\s*(\d+)\s*\+`)
	unpackPattern = regexp.MustCompile(`\bunpack\s*\(\s*(KEYS|ARGV)\s*(?:,\s*(\d+))?`)
	loopPattern   = regexp.MustCompile(`=\s*(\d+)(?:\s*\+\s*\w+)?\s*,\s*#(KEYS|ARGV)\b`)
)

// used returns what code (comments removed) reads of KEYS and of ARGV.
func used(code string) map[string]*usage {
	u := map[string]*usage{"KEYS": {single: map[int]bool{}}, "ARGV": {single: map[int]bool{}}}
	for _, m := range singlePattern.FindAllStringSubmatch(code, -1) {
		n, _ := strconv.Atoi(m[2])
		u[m[1]].single[n] = true
	}
	for _, m := range offsetPattern.FindAllStringSubmatch(code, -1) {
		n, _ := strconv.Atoi(m[2])
		u[m[1]].lists = append(u[m[1]].lists, n+1)
	}
	for _, m := range unpackPattern.FindAllStringSubmatch(code, -1) {
		n := 1
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		u[m[1]].lists = append(u[m[1]].lists, n)
	}
	for _, m := range loopPattern.FindAllStringSubmatch(code, -1) {
		n, _ := strconv.Atoi(m[1])
		u[m[2]].lists = append(u[m[2]].lists, n)
	}
	return u
}

// checkLayout returns the disagreements between the script d, whose files
// read returns, and its arguments type.
func checkLayout(d desc, read func(string) string) []string {
	var problems []string
	var code strings.Builder
	for _, f := range d.files {
		code.WriteString(luaCode(read(f), true))
		code.WriteString("\n")
	}
	entries := header(read(d.file))
	u := used(code.String())
	for _, kind := range []string{"KEYS", "ARGV"} {
		var kindEntries []headerEntry
		for _, e := range entries {
			if e.kind == kind {
				kindEntries = append(kindEntries, e)
			}
		}
		var kindSlots []slot
		for _, s := range d.slots {
			if s.kind == kind {
				kindSlots = append(kindSlots, s)
			}
		}
		fixed, p := headerShape(kind, kindEntries)
		problems = append(problems, p...)
		problems = append(problems, checkTags(kind, kindEntries, kindSlots)...)
		problems = append(problems, checkUsage(kind, fixed, len(kindEntries) > fixed, u[kind])...)
	}
	return problems
}

// headerShape checks that the header numbers its single entries 1, 2...
// before any list, whose first starts after them; it returns how many
// single entries there are.
func headerShape(kind string, entries []headerEntry) (int, []string) {
	var problems []string
	fixed, inLists := 0, false
	for _, e := range entries {
		n, err := strconv.Atoi(e.spec)
		switch {
		case err != nil:
			inLists = true
			continue
		case inLists:
			problems = append(problems, fmt.Sprintf("header: %s[%d] comes after a list", kind, n))
			continue
		case n != fixed+1:
			problems = append(problems, fmt.Sprintf("header: %s[%d] is where %s[%d] should be", kind, n, kind, fixed+1))
		}
		fixed++
	}
	if fixed < len(entries) && !strings.HasPrefix(entries[fixed].spec, strconv.Itoa(fixed+1)+"..") {
		problems = append(problems, fmt.Sprintf("header: the list %s[%s] does not start at %d", kind, entries[fixed].spec, fixed+1))
	}
	return fixed, problems
}

// checkTags checks that the tags declare the header's entries, in its
// order, and that each field's name is made of the words of its entry.
func checkTags(kind string, entries []headerEntry, slots []slot) []string {
	var problems []string
	for i := range max(len(entries), len(slots)) {
		switch {
		case i >= len(entries):
			problems = append(problems, fmt.Sprintf("field %s is %s[%s], which the header does not document", slots[i].name, kind, slots[i].spec))
		case i >= len(slots):
			problems = append(problems, fmt.Sprintf("the header's %s[%s] (%s) has no field", kind, entries[i].spec, entries[i].desc))
		case slots[i].spec != entries[i].spec:
			problems = append(problems, fmt.Sprintf("field %s is %s[%s], where the header has %s[%s] (%s)",
				slots[i].name, kind, slots[i].spec, kind, entries[i].spec, entries[i].desc))
		default:
			if w := missingWord(slots[i].name, entries[i].desc); w != "" {
				problems = append(problems, fmt.Sprintf("field %s is %s[%s], whose header (%s) does not say %q",
					slots[i].name, kind, slots[i].spec, entries[i].desc, w))
			}
		}
	}
	return problems
}

// checkUsage checks the indices that the code reads against the layout:
// every single index declared is read as such, none beyond, and lists
// are read where, and only if, the layout has them.
func checkUsage(kind string, fixed int, lists bool, u *usage) []string {
	var problems []string
	for n := 1; n <= fixed; n++ {
		if !u.single[n] {
			problems = append(problems, fmt.Sprintf("%s[%d] is declared but the code never reads it", kind, n))
		}
	}
	for n := range u.single {
		if n > fixed {
			problems = append(problems, fmt.Sprintf("the code reads %s[%d], beyond the %d declared", kind, n, fixed))
		}
	}
	for _, n := range u.lists {
		if !lists || n <= fixed {
			problems = append(problems, fmt.Sprintf("the code reads a list from %s[%d], which the layout does not have (%d single, lists: %v)", kind, n, fixed, lists))
		}
	}
	if lists && slices.Max(append([]int{0}, u.lists...)) != fixed+1 {
		problems = append(problems, fmt.Sprintf("the layout has a list from %s[%d], which the code never reads", kind, fixed+1))
	}
	return problems
}

// missingWord returns a word of the Go name that desc does not say, or "".
func missingWord(name, desc string) string {
	said := strings.FieldsFunc(strings.ToLower(desc), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range nameWords(name) {
		if !slices.ContainsFunc(said, func(d string) bool { return sameWord(w, d) }) {
			return w
		}
	}
	return ""
}

var namePattern = regexp.MustCompile(`[A-Z]+[a-z0-9]*`)

// nameWords splits a Go name into its lowercase words: JobIDs is job, ids.
func nameWords(name string) []string {
	words := namePattern.FindAllString(name, -1)
	for i, w := range words {
		words[i] = strings.ToLower(w)
	}
	return words
}

// sameWord tells whether a word of a Go name is a word d of a header: the
// same but for a plural, or, for a word of four letters or more, its
// start (Sync, synchronously).
func sameWord(w, d string) bool {
	return stem(w) == stem(d) || len(w) >= 4 && strings.HasPrefix(d, w)
}

func stem(w string) string {
	switch {
	case strings.HasSuffix(w, "ies"):
		return strings.TrimSuffix(w, "ies") + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s"):
		return strings.TrimSuffix(w, "s")
	}
	return w
}

func readSource(t *testing.T) func(string) string {
	return func(name string) string {
		b, err := sources.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// TestLayoutsMatchScripts checks every wrapper against its script.
func TestLayoutsMatchScripts(t *testing.T) {
	for _, d := range all {
		t.Run(d.file, func(t *testing.T) {
			if len(header(readSource(t)(d.file))) == 0 {
				t.Fatal("the script's header documents no KEYS or ARGV")
			}
			for _, p := range checkLayout(d, readSource(t)) {
				t.Error(p)
			}
		})
	}
}

// TestEveryScriptHasOneWrapper checks that each .lua file is run by one
// wrapper, whose arguments type is named after it and defined in the .go
// file of the same name, or is a snippet that scripts include.
func TestEveryScriptHasOneWrapper(t *testing.T) {
	runs := map[string]int{}
	snippets := map[string]bool{}
	for _, d := range all {
		runs[d.file]++
		for _, f := range d.files[:len(d.files)-1] {
			snippets[f] = true
		}
		base := strings.TrimSuffix(d.file, ".lua")
		if want := camel(base) + "Args"; d.args.Name() != want {
			t.Errorf("%s runs with %s, want %s", d.file, d.args.Name(), want)
		}
		src, err := os.ReadFile(base + ".go")
		if err != nil || !strings.Contains(string(src), "type "+d.args.Name()+" struct") {
			t.Errorf("%s: %s is not defined in %s.go beside it (%v)", d.file, d.args.Name(), base, err)
		}
	}
	files, err := sources.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := f.Name()
		switch {
		case snippets[name] && runs[name] > 0:
			t.Errorf("%s is both a snippet and a script", name)
		case runs[name] > 1:
			t.Errorf("%s has %d wrappers", name, runs[name])
		case runs[name] == 0 && !snippets[name]:
			t.Errorf("%s is run by no wrapper", name)
		}
	}
}

// camel turns enqueue_dependent into EnqueueDependent.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, "")
}

// The checker itself must see a real mismatch: these cases are a script
// and arguments that disagree in one way each.

type okArgs struct {
	Job     string   `lua:"KEYS[1]"`
	Queues  []string `lua:"KEYS[2..]"`
	JobID   string   `lua:"ARGV[1]"`
	NowTime int64    `lua:"ARGV[2]"`
}

const okLua = `-- KEYS[1]   the job hash
-- KEYS[2..] the queue lists
--
-- ARGV[1]  the job ID
-- ARGV[2]  now, as a time
local n = 0
for i = 2, #KEYS do n = n + redis.call('LLEN', KEYS[i]) end
-- KEYS[7] is only named in this comment
return {KEYS[1], ARGV[1], ARGV[2], n, '--', "ARGV[9]"}
`

type swappedArgs struct {
	Job     string   `lua:"KEYS[1]"`
	Queues  []string `lua:"KEYS[2..]"`
	NowTime int64    `lua:"ARGV[1]"`
	JobID   string   `lua:"ARGV[2]"`
}

type shortArgs struct {
	Job    string   `lua:"KEYS[1]"`
	Queues []string `lua:"KEYS[2..]"`
	JobID  string   `lua:"ARGV[1]"`
}

type noListArgs struct {
	Job     string `lua:"KEYS[1]"`
	JobID   string `lua:"ARGV[1]"`
	NowTime int64  `lua:"ARGV[2]"`
}

func TestCheckerSeesMismatches(t *testing.T) {
	cases := []struct {
		name string
		args reflect.Type
		lua  string
		want string // a piece of the problem reported; "" for none
	}{
		{"agreeing", reflect.TypeFor[okArgs](), okLua, ""},
		{"fields swapped", reflect.TypeFor[swappedArgs](), okLua, `field NowTime is ARGV[1], whose header (the job ID) does not say "now"`},
		{"field missing", reflect.TypeFor[shortArgs](), okLua, "the header's ARGV[2] (now, as a time) has no field"},
		{"list not declared", reflect.TypeFor[noListArgs](), okLua, "the header's KEYS[2..] (the queue lists) has no field"},
		{"undocumented read", reflect.TypeFor[okArgs](), okLua + "return ARGV[3]\n", "the code reads ARGV[3], beyond the 2 declared"},
		{"unread argument", reflect.TypeFor[okArgs](), strings.Replace(okLua, "ARGV[2], n", "n", 1), "ARGV[2] is declared but the code never reads it"},
		{"list in the header, none in the code", reflect.TypeFor[okArgs](), strings.Replace(okLua, "#KEYS", "1", 1), "a list from KEYS[2], which the code never reads"},
		{"header out of order", reflect.TypeFor[okArgs](), strings.Replace(okLua, "-- ARGV[1]  the job ID", "-- ARGV[3]  the job ID", 1), "header: ARGV[3] is where ARGV[1] should be"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			slots, err := parseSlots(c.args)
			if err != nil {
				t.Fatal(err)
			}
			d := desc{file: "case.lua", files: []string{"case.lua"}, args: c.args, slots: slots}
			problems := checkLayout(d, func(string) string { return c.lua })
			if c.want == "" {
				if len(problems) > 0 {
					t.Errorf("problems reported for agreeing layouts: %q", problems)
				}
				return
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Errorf("problems %q, want one with %q", problems, c.want)
			}
		})
	}
}
