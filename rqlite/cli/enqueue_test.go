package cli

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// argFiles are the files that the @file arguments of these tests read.
var argFiles = map[string]string{
	"t.txt":    "line1\r\nline2\rline3\n",
	"j.json":   "{\"a\": [1, 2.5]}\r\n",
	"bad.json": "{",
	"latin1":   "caf\xe9",
}

// inArgFiles runs the test in a directory holding argFiles.
func inArgFiles(t *testing.T) {
	dir := t.TempDir()
	for name, text := range argFiles {
		if err := os.WriteFile(dir+"/"+name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(dir+"/adir", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
}

// TestParseArgs checks parseArgs against what RQ 1.13's
// parse_function_args returns, as json.dumps([args, kwargs]) shows it.
func TestParseArgs(t *testing.T) {
	inArgFiles(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, `[[], {}]`},
		{[]string{"3"}, `[["3"], {}]`},
		{[]string{":3"}, `[[3], {}]`},
		{[]string{"a=b"}, `[[], {"a": "b"}]`},
		{[]string{"c:=[1,2]"}, `[[], {"c": [1, 2]}]`},
		{[]string{"=x"}, `[["=x"], {}]`},
		{[]string{"a:b=c"}, `[[], {"a:b": "c"}]`},
		{[]string{"a:b:=1"}, `[[], {"a:b:": "1"}]`},
		{[]string{"a=b:=c"}, `[[], {"a": "b:=c"}]`},
		{[]string{"k=v=w"}, `[[], {"k": "v=w"}]`},
		{[]string{"a%b=c"}, `[[], {"a%b": "c"}]`},
		{[]string{""}, `[[""], {}]`},
		{[]string{"x:=null", ":true", `:"s"`}, `[[true, "s"], {"x": null}]`},
		{[]string{":1.0", ":1e16", ":1e-5", ":0.0001", ":-0.0"}, `[[1.0, 1e+16, 1e-05, 0.0001, -0.0], {}]`},
		{[]string{":12345678901234567890", ":1e15", ":123456789.123", ":-0"}, `[[12345678901234567890, 1000000000000000.0, 123456789.123, 0], {}]`},
		{[]string{":[1.5e300, -2]", `:{"k": {"n": 1E2}}`}, `[[[1.5e+300, -2], {"k": {"n": 100.0}}], {}]`},
		{[]string{": 3 ", ":1E+2", ":5e-324", ":0.1", ":100.0"}, `[[3, 100.0, 5e-324, 0.1, 100.0], {}]`},
		{[]string{"@t.txt", "k=@t.txt"}, `[["line1\nline2\nline3\n"], {"k": "line1\nline2\nline3\n"}]`},
		{[]string{"k:=@j.json", ":@j.json"}, `[[{"a": [1, 2.5]}], {"k": {"a": [1, 2.5]}}]`},
		{[]string{"1", "n=2", ":3", "m:=4"}, `[["1", 3], {"m": 4, "n": "2"}]`},
		{[]string{"%3", "k%=(1, -0x_10, 'a\\n')", "%@j.json", "%[1.5e300]", "a:%=1"}, `[[3, {"a": [1, 2.5]}, [1.5e+300]], {"a:": 1, "k": [1, -16, "a\n"]}]`},
		{[]string{"%12345678901234567890", "%None", "m%=True"}, `[[12345678901234567890, null], {"m": true}]`},
		{[]string{"caf\u00e9", "\u00f1=\U0001F600"}, `[["caf\u00e9"], {"\u00f1": "\ud83d\ude00"}]`},
	} {
		pos, kw, err := parseArgs(c.args)
		if err != nil {
			t.Errorf("parseArgs(%q): %v", c.args, err)
			continue
		}
		b, err := rqlite.JSON.Marshal([]any{pos, kw})
		if err != nil {
			t.Errorf("parseArgs(%q): cannot serialize %v, %v: %v", c.args, pos, kw, err)
			continue
		}
		if string(b) != c.want {
			t.Errorf("parseArgs(%q) = %s, want %s", c.args, b, c.want)
		}
	}
}

func TestParseArgsErrors(t *testing.T) {
	inArgFiles(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{":{"}, `invalid argument ":{": positional argument 1 is not valid JSON: unexpected EOF`},
		{[]string{"a", "k=1", ":[1,]"}, `invalid argument ":[1,]": positional argument 2 is not valid JSON: invalid character ']' looking for beginning of value`},
		{[]string{"k:="}, `invalid argument "k:=": keyword argument "k" is not valid JSON: unexpected EOF`},
		{[]string{":=x"}, `invalid argument ":=x": positional argument 1 is not valid JSON: invalid character '=' looking for beginning of value`},
		{[]string{":3 4"}, `invalid argument ":3 4": positional argument 1 is not valid JSON: extra data after the value at offset 2`},
		{[]string{":3]"}, `invalid argument ":3]": positional argument 1 is not valid JSON: extra data after the value at offset 1`},
		{[]string{":NaN"}, `invalid argument ":NaN": positional argument 1 is not valid JSON: invalid character 'N' looking for beginning of value`},
		{[]string{":1e400"}, `invalid argument ":1e400": positional argument 1 is not valid JSON: number 1e400 is out of range`},
		{[]string{"k:=[1e400]"}, `invalid argument "k:=[1e400]": keyword argument "k" is not valid JSON: number 1e400 is out of range`},
		{[]string{"@nofile"}, `invalid argument "@nofile": cannot read file "nofile": no such file or directory`},
		{[]string{"k=@nofile"}, `invalid argument "k=@nofile": cannot read file "nofile": no such file or directory`},
		{[]string{"k:=@nofile"}, `invalid argument "k:=@nofile": cannot read file "nofile": no such file or directory`},
		{[]string{"@"}, `invalid argument "@": cannot read file "": no such file or directory`},
		{[]string{"@adir"}, `invalid argument "@adir": cannot read file "adir": is a directory`},
		{[]string{"@latin1"}, `invalid argument "@latin1": file "latin1" is not UTF-8 text`},
		{[]string{":@bad.json"}, `invalid argument ":@bad.json": positional argument 1 is not valid JSON: unexpected EOF`},
		{[]string{"%{1}"}, `invalid argument "%{1}": positional argument 1 is not a supported Python literal: sets are not supported: no serializer of a job's arguments carries them; write a list`},
		{[]string{"k%=b'x'"}, `invalid argument "k%=b'x'": keyword argument "k" is not a supported Python literal: bytes are not supported: a job's arguments cannot carry them in JSON, nor show them in its description; write a str`},
		{[]string{"k%=1e400"}, `invalid argument "k%=1e400": keyword argument "k" is not a supported Python literal: float 1e400 is out of range`},
		{[]string{"%@bad.json"}, `invalid argument "%@bad.json": positional argument 1 is not a supported Python literal: unexpected end of text`},
		{[]string{"a=1", "a:=2"}, `invalid argument "a:=2": keyword argument "a" is given more than once`},
		{[]string{"\r%="}, "invalid argument \"\\r%=\": keyword argument \"\\r\" is not a supported Python literal: unexpected end of text"}, // found by FuzzParseArgs
		{[]string{"\n=x", ":\n{"}, "invalid argument \":\\n{\": positional argument 1 is not valid JSON: unexpected EOF"},
	} {
		pos, kw, err := parseArgs(c.args)
		if err == nil {
			t.Errorf("parseArgs(%q) = %v, %v; want error %s", c.args, pos, kw, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("parseArgs(%q) error:\n%s\nwant:\n%s", c.args, err, c.want)
		}
	}
}

func TestParseDurationFlag(t *testing.T) {
	for _, c := range []struct {
		flag, value string
		kind        durationKind
		want        time.Duration
		err         string
	}{
		{"timeout", "3600", jobTimeout, time.Hour, ""},
		{"timeout", "1h", jobTimeout, time.Hour, ""},
		{"timeout", "-1", jobTimeout, rqlite.Forever, ""},
		{"timeout", "0", jobTimeout, 0, "invalid --timeout 0: 0 timeout is not allowed, use -1 for no limit"},
		{"timeout", "-5", jobTimeout, 0, "invalid --timeout -5: it must be positive, or -1 for no limit"},
		{"timeout", "10x", jobTimeout, 0, "invalid --timeout 10x: use whole seconds or digits with a unit d, h, m or s, such as 1h, 30m, 15s or 2d"},
		{"timeout", "", jobTimeout, 0, "invalid --timeout : use whole seconds or digits with a unit d, h, m or s, such as 1h, 30m, 15s or 2d"},
		{"result-ttl", "0", resultTTL, rqlite.Discard, ""},
		{"result-ttl", "-1", resultTTL, rqlite.Forever, ""},
		{"result-ttl", "2d", resultTTL, 48 * time.Hour, ""},
		{"result-ttl", "-2", resultTTL, 0, "invalid --result-ttl -2: it must be positive, 0 to discard results or -1 to keep them forever"},
		{"failure-ttl", "-1", failureTTL, rqlite.Forever, ""},
		{"failure-ttl", "15s", failureTTL, 15 * time.Second, ""},
		{"failure-ttl", "0", failureTTL, 0, "invalid --failure-ttl 0: it must be positive, or -1 for no limit"},
		{"ttl", "30m", queuedTTL, 30 * time.Minute, ""},
		{"ttl", "0", queuedTTL, 0, "invalid --ttl 0: the job ttl must be greater than 0"},
		{"ttl", "-1", queuedTTL, 0, "invalid --ttl -1: the job ttl must be greater than 0"},
	} {
		got, err := parseDurationFlag(c.flag, c.value, c.kind)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("--%s %q: %v, %v; want error %s", c.flag, c.value, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("--%s %q = %v, %v; want %v", c.flag, c.value, got, err, c.want)
		}
	}
}

// FuzzParseArgs checks that parseArgs never panics, that its errors are one
// line, and that what it accepts can be stored as a job's arguments. The
// arguments are the fuzzed text split at NUL bytes. So that @file reads
// only the files of this package's directory (the fuzzing engine writes its
// findings relative to it, so the test does not change directory), inputs
// with a path separator are skipped.
func FuzzParseArgs(f *testing.F) {
	for _, seed := range []string{
		"", "3", ":3", "a=b", "c:=[1,2]", "=x", "a:b=c", "a:b:=1", "a=b:=c", "%3", "k%=3",
		":1.0\x00:1e16\x00:-0.0\x00:1e-5", ":12345678901234567890", ":1e400", `:{"k": {"n": 1E2}}`,
		"@enqueue.go", "k=@root.go", ":@root.go", "k:=@root.go", "@nofile", "@testdata", "@", "\r%=",
		"a=1\x00a=2", ":{", ":3 4", ": 3 \t", `:"\ud800"`, "caf\xe9", ":\"caf\xe9\"", ":[[[[[]]]]]",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, `/\`) {
			t.Skip("only the files of the working directory may be read")
		}
		var args []string
		if s != "" {
			args = strings.Split(s, "\x00")
		}
		pos, kw, err := parseArgs(args)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("parseArgs(%q): error of more than one line: %q", args, err)
			}
			return
		}
		if len(pos)+len(kw) != len(args) {
			t.Fatalf("parseArgs(%q) = %v, %v: %d values for %d arguments", args, pos, kw, len(pos)+len(kw), len(args))
		}
		if _, err := rqlite.JSON.Marshal([]any{pos, kw}); err != nil {
			t.Fatalf("parseArgs(%q) = %v, %v, which cannot be serialized: %v", args, pos, kw, err)
		}
	})
}
