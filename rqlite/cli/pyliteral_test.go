package cli

import (
	"encoding/json"
	"maps"
	"math/big"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// pyLiteralCases are Python literals and what parsePyLiteral makes of
// them, written as pyCanon writes a value; err is part of the error of a
// literal it refuses. pyToo marks a refused literal that Python reads as a
// value a job could carry: the spellings refused on purpose.
var pyLiteralCases = []struct {
	in, want, err string
	pyToo         bool
}{
	// None, bools, names.
	{in: "None", want: "None"},
	{in: "True", want: "True"},
	{in: " \tFalse  ", want: "False"},
	{in: "true", err: "true is not a literal"},
	{in: "x", err: "x is not a literal"},
	{in: "-True", err: "a sign may stand only before a number"},
	{in: "not 1", err: "not is not a literal"},
	{in: "1 if 1 else 2", err: "unexpected 'i'"},
	{in: "__import__('os')", err: "__import__ is not a literal"},
	{in: "...", err: "... (Ellipsis) is not supported"},
	// Ints.
	{in: "0", want: "0"},
	{in: "00", want: "0"},
	{in: "0_0", want: "0"},
	{in: "-17", want: "-17"},
	{in: "+17", want: "17"},
	{in: "- 17", want: "-17"},
	{in: "-(17)", want: "-17"},
	{in: "-( ( 17 ) )", want: "-17"},
	{in: "(-17)", want: "-17"},
	{in: "1_000_000", want: "1000000"},
	{in: "0x_fF", want: "255"},
	{in: "0XFF", want: "255"},
	{in: "0o17", want: "15"},
	{in: "0O1_7", want: "15"},
	{in: "0b101", want: "5"},
	{in: "0B1", want: "1"},
	{in: "9223372036854775807", want: "9223372036854775807"},
	{in: "9223372036854775808", want: "9223372036854775808"},
	{in: "-9223372036854775808", want: "-9223372036854775808"},
	{in: "-9223372036854775809", want: "-9223372036854775809"},
	{in: "123456789012345678901234567890", want: "123456789012345678901234567890"},
	{in: "0xffffffffffffffffffff", want: "1208925819614629174706175"},
	{in: "-0", want: "0"},
	{in: "01", err: "leading zeros"},
	{in: "0_9", err: "leading zeros"},
	{in: "1__0", err: "invalid number"},
	{in: "1_", err: "invalid number"},
	{in: "0x", err: "invalid number"},
	{in: "0o8", err: "invalid number"},
	{in: "0b12", err: "invalid number"},
	{in: "12abc", err: "invalid number"},
	{in: "--1", err: "a sign may stand only before a number"},
	{in: "+-1", err: "a sign may stand only before a number"},
	{in: "-(-1)", err: "a sign may stand only before a number"},
	{in: "-(1,)", err: "unexpected ','"},
	{in: "1+2", err: "unexpected '+'"},
	{in: "2**8", err: "unexpected '*'"},
	{in: strings.Repeat("9", 4300), want: strings.Repeat("9", 4300)},
	{in: strings.Repeat("9", 4301), err: "an int has more than 4300 digits"},
	{in: "0x" + strings.Repeat("f", 4000), err: "an int has more than 4300 digits"},
	// Floats.
	{in: "1.5", want: "1.5"},
	{in: "-1.5", want: "-1.5"},
	{in: "1.", want: "1.0"},
	{in: ".5", want: "0.5"},
	{in: "-.5", want: "-0.5"},
	{in: "-0.0", want: "-0.0"},
	{in: "-(0.0)", want: "-0.0"},
	{in: "1e5", want: "100000.0"},
	{in: "1E+5", want: "100000.0"},
	{in: "1.e5", want: "100000.0"},
	{in: "2.5e-3", want: "0.0025"},
	{in: "1e16", want: "1e+16"},
	{in: "1e-5", want: "1e-05"},
	{in: "1_0.0_1e1_0", want: "100100000000.0"},
	{in: "09.5", want: "9.5"},
	{in: "09e1", want: "90.0"},
	{in: "1e-400", want: "0.0"},
	{in: "1.7976931348623157e308", want: "1.7976931348623157e+308"},
	{in: "1e400", err: "float 1e400 is out of range"},
	{in: "-1e400", err: "float 1e400 is out of range"},
	{in: "inf", err: "inf is not a literal"},
	{in: "nan", err: "nan is not a literal"},
	{in: "1e", err: "invalid number"},
	{in: "1_.5", err: "invalid number"},
	{in: "1._5", err: "invalid number"},
	{in: "1.5_", err: "invalid number"},
	{in: "1.5.5", err: "unexpected '.'"},
	// Complex numbers.
	{in: "1j", err: "complex numbers are not supported"},
	{in: "1+2j", err: "unexpected '+'"},
	{in: "-2.5J", err: "complex numbers are not supported"},
	// Strings.
	{in: `'a'`, want: `"a"`},
	{in: `"a"`, want: `"a"`},
	{in: `''`, want: `""`},
	{in: `u'a'`, want: `"a"`},
	{in: `'it''s'`, want: `"its"`},
	{in: `'a' "b" '''c'''`, want: `"abc"`},
	{in: `"it's"`, want: `"it's"`},
	{in: `'\'"'`, want: `"'\""`},
	{in: `'a\n\t\\b'`, want: `"a\n\t\\b"`},
	{in: `'\a\b\f\v\r\0'`, want: `"\u0007\b\f\u000b\r\u0000"`},
	{in: `'\x41\xe9'`, want: `"A\u00e9"`},
	{in: `'\u00e9\U0001F600'`, want: `"\u00e9\ud83d\ude00"`},
	{in: `'\101\7\1234'`, want: `"A\u0007S4"`},
	{in: `'\777'`, want: `"\u01ff"`},
	{in: `'\d\8\ '`, want: `"\\d\\8\\ "`},
	{in: "'a\\\nb'", want: `"ab"`},
	{in: "'a\\\r\nb'", want: `"ab"`},
	{in: "'''a\nb'''", want: `"a\nb"`},
	{in: "'''a\r\nb\rc'''", want: `"a\nb\nc"`},
	{in: `"""a"b""c"""`, want: `"a\"b\"\"c"`},
	{in: "'caf\u00e9 \U0001F600'", want: `"caf\u00e9 \ud83d\ude00"`},
	{in: `r'\d+\n'`, want: `"\\d+\\n"`},
	{in: `R'\''`, want: `"\\'"`},
	{in: "r'a\\\nb'", want: `"a\\\nb"`},
	{in: `r"""a\"b"""`, want: `"a\\\"b"`},
	{in: `'a'  # a comment`, want: `"a"`},
	{in: "'a'\n", want: `"a"`},
	{in: "'a'\n\n# end\n  \n", want: `"a"`},
	{in: "('a'\n 'b')", want: `"ab"`},
	{in: "('a' # one\n 'b')", want: `"ab"`},
	{in: "'a'\n'b'", err: `unexpected '\''`},
	{in: "'a", err: "unterminated string"},
	{in: "'a\nb'", err: "unterminated string"},
	{in: "'a\rb'", err: "unterminated string"},
	{in: `'a\'`, err: "unterminated string"},
	{in: `r'\'`, err: "unterminated string"},
	{in: `'''a''''`, err: "unterminated string"},
	{in: `'\x4'`, err: `truncated \x escape`},
	{in: `'\u12'`, err: `truncated \u escape`},
	{in: `'\U0011ffff'`, err: `escape \U0011ffff is beyond Unicode`},
	{in: `'\ud800'`, err: `escape \ud800 is a surrogate`, pyToo: true},
	{in: `'\N{BULLET}'`, err: `\N{...} escapes are not supported`, pyToo: true},
	{in: `ur'a'`, err: "unexpected 'u'"},
	{in: `f'a'`, err: "f-strings are not literals"},
	{in: `'a' f'{1}'`, err: "f-strings are not literals"},
	{in: `abc'a'`, err: "unexpected 'a'"},
	{in: `True'a'`, err: "unexpected 'T'"},
	// Bytes.
	{in: `b'a'`, err: "bytes are not supported"},
	{in: `Rb'a'`, err: "bytes are not supported"},
	{in: `'a' b'b'`, err: "bytes are not supported"},
	// Lists and tuples.
	{in: "[]", want: "[]"},
	{in: "[1, 'a', None]", want: `[1, "a", None]`},
	{in: "[1,2,]", want: "[1, 2]"},
	{in: "[\n  1,  # one\n  2\n]", want: "[1, 2]"},
	{in: "[[], [[]]]", want: "[[], [[]]]"},
	{in: "()", want: "()"},
	{in: "(1,)", want: "(1,)"},
	{in: "(1)", want: "1"},
	{in: "((1, 2), [3])", want: "((1, 2), [3])"},
	{in: "1, 2", want: "(1, 2)"},
	{in: "1,", want: "(1,)"},
	{in: "[,]", err: "unexpected ','"},
	{in: "(,)", err: "unexpected ','"},
	{in: "[1,,2]", err: "unexpected ','"},
	{in: "[1 2]", err: "unexpected '2'"},
	{in: "[1", err: "unexpected end of text"},
	{in: "1]", err: "unexpected ']'"},
	{in: "(1\n, 2)", want: "(1, 2)"},
	{in: "1\n, 2", err: "unexpected ','"},
	{in: "[*[1]]", err: "unexpected '*'"},
	// Dicts and sets.
	{in: "{}", want: "{}"},
	{in: "{'a': 1, \"b\": [2, {'c': None}],}", want: `{"a": 1, "b": [2, {"c": None}]}`},
	{in: "{'a': 1, 'a': 2}", want: `{"a": 2}`},
	{in: "{'a' 'b': 1}", want: `{"ab": 1}`},
	{in: "{1: 'a'}", err: "a dict key is of type int: a job's dicts take str keys only"},
	{in: "{'a': 1, 2.5: 'b'}", err: "a dict key is of type float"},
	{in: "{(1, 2): 'a'}", err: "a dict key is of type tuple"},
	{in: "{None: 1}", err: "a dict key is of type NoneType"},
	{in: "{True: 1}", err: "a dict key is of type bool"},
	{in: "{1, 2}", err: "sets are not supported"},
	{in: "{'a'}", err: "sets are not supported"},
	{in: "set()", err: "sets are not supported"},
	{in: "{'a': 1, 'b'}", err: "unexpected '}'"},
	{in: "{**{}}", err: "unexpected '*'"},
	{in: "{'a': }", err: "unexpected '}'"},
	// Nesting.
	{in: strings.Repeat("[", 200) + strings.Repeat("]", 200), want: strings.Repeat("[", 200) + strings.Repeat("]", 200)},
	{in: strings.Repeat("(", 199) + "-(1)" + strings.Repeat(")", 199), want: "-1"},
	{in: strings.Repeat("[", 201) + strings.Repeat("]", 201), err: "brackets are nested more than 200 deep"},
	{in: strings.Repeat("{'a':", 201) + "1" + strings.Repeat("}", 201), err: "brackets are nested more than 200 deep"},
	{in: strings.Repeat("(", 200) + "-(1)" + strings.Repeat(")", 200), err: "brackets are nested more than 200 deep"},
	// Text around the value, and text that is not Python.
	{in: "", err: "unexpected end of text"},
	{in: "  ", err: "unexpected end of text"},
	{in: "# only a comment", err: "unexpected end of text"},
	{in: "\f1", err: "unexpected '\\f'", pyToo: true},
	{in: "[1,\f2]", err: "unexpected '\\f'", pyToo: true},
	{in: "1\n  ", err: "unexpected indent on the last line"},
	{in: "1\n \n\t", err: "unexpected indent on the last line"},
	{in: "1\n \n", want: "1"},
	{in: "1 \t", want: "1"},
	{in: "1\n  # end", want: "1"},
	{in: "1\n#end", want: "1"},
	{in: "1\r\n", want: "1"},
	{in: "\n1", err: "unexpected '\\n'", pyToo: true},
	{in: "\\\n1", err: "unexpected '\\\\'", pyToo: true},
	{in: "1 2", err: "unexpected '2'"},
	{in: "1\x00", err: "it contains a NUL byte"},
	{in: "'caf\xe9'", err: "it is not UTF-8 text"},
	{in: "\u00a01", err: "unexpected '\\u00a0'"},
	{in: "1;2", err: "unexpected ';'"},
	{in: "[1, 2][0]", err: "unexpected '['"},
	{in: "'a'.upper()", err: "unexpected '.'"},
	{in: "print(1)", err: "print is not a literal"},
}

// pyCanon writes a value of parsePyLiteral as pyLiteralScript writes the
// value of ast.literal_eval: floats and ints as repr, strs as json.dumps,
// tuples as lists, dicts with their keys sorted.
func pyCanon(t *testing.T, v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case *big.Int:
		return v.String()
	case json.Number:
		return string(v)
	case string:
		b, err := rqlite.JSON.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	case []any:
		return "[" + pyCanonItems(t, v) + "]"
	case rqlite.Tuple:
		if len(v) == 1 {
			return "(" + pyCanonItems(t, v) + ",)"
		}
		return "(" + pyCanonItems(t, v) + ")"
	case map[string]any:
		parts := []string{}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, pyCanon(t, k)+": "+pyCanon(t, v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	t.Fatalf("parsePyLiteral returned a %T", v)
	return ""
}

func pyCanonItems(t *testing.T, v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = pyCanon(t, x)
	}
	return strings.Join(parts, ", ")
}

func TestPyLiteral(t *testing.T) {
	for _, c := range pyLiteralCases {
		v, err := parsePyLiteral(c.in)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("parsePyLiteral(%q): %v; want %s", c.in, err, c.want)
		case c.err != "" && err == nil:
			t.Errorf("parsePyLiteral(%q) = %s; want error %s", c.in, pyCanon(t, v), c.err)
		case c.err != "" && !strings.Contains(err.Error(), c.err):
			t.Errorf("parsePyLiteral(%q) error:\n%v\nwant it to hold:\n%s", c.in, err, c.err)
		case c.err == "" && pyCanon(t, v) != c.want:
			t.Errorf("parsePyLiteral(%q) = %s, want %s", c.in, pyCanon(t, v), c.want)
		}
	}
}

// pyLiteralScript reads a JSON list of texts and writes, for each, what
// ast.literal_eval makes of it as pyCanon writes values: ERROR when it
// refuses the text, UNSUPPORTED for a value outside those of pyCanon.
const pyLiteralScript = `
import ast, json, math, sys, warnings
warnings.simplefilter("ignore")

def canon(v):
    if v is None or isinstance(v, bool):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v) or math.isnan(v):
            raise TypeError("special float")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(canon(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(canon(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return "{" + ", ".join(canon(k) + ": " + canon(v[k]) for k in sorted(v)) + "}"
    raise TypeError(type(v).__name__)

out = []
for text in json.load(sys.stdin):
    try:
        v = ast.literal_eval(text)
    except Exception:
        out.append("ERROR")
        continue
    try:
        out.append(canon(v))
    except Exception:
        out.append("UNSUPPORTED")
json.dump(out, sys.stdout)
`

// TestPyLiteralAsPython compares pyLiteralCases with what Python's
// ast.literal_eval makes of them: a value parsePyLiteral accepts must be
// Python's, and a text it refuses must be one that Python refuses, or
// reads as a value a job cannot carry, unless the case says pyToo.
func TestPyLiteralAsPython(t *testing.T) {
	var texts []string
	for _, c := range pyLiteralCases {
		if utf8.ValidString(c.in) {
			texts = append(texts, c.in)
		}
	}
	got := pythonLiteralEval(t, texts)
	i := 0
	for _, c := range pyLiteralCases {
		if !utf8.ValidString(c.in) {
			continue
		}
		py := got[i]
		i++
		pyValue := py != "ERROR" && py != "UNSUPPORTED"
		switch {
		case c.err == "" && py != c.want:
			t.Errorf("%q: Python reads %s, parsePyLiteral %s", c.in, py, c.want)
		case c.err != "" && pyValue != c.pyToo:
			t.Errorf("%q: Python reads %s, parsePyLiteral refuses it (%s); pyToo is %v", c.in, py, c.err, c.pyToo)
		}
	}
}

// pythonLiteralEval runs pyLiteralScript on texts, or skips the test
// without Python.
func pythonLiteralEval(t *testing.T, texts []string) []string {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no " + python + " to compare with")
	}
	in, err := json.Marshal(texts)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", pyLiteralScript)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", python, err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(texts) {
		t.Fatalf("%s wrote %q: %v", python, out, err)
	}
	return got
}

// FuzzPyLiteral checks that parsePyLiteral never panics, that its errors
// are one line, and that what it accepts can be stored as a job's
// argument and reads the same again from its JSON.
func FuzzPyLiteral(f *testing.F) {
	for _, c := range pyLiteralCases {
		if len(c.in) < 300 {
			f.Add(c.in)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parsePyLiteral(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("parsePyLiteral(%q): error of more than one line: %q", s, err)
			}
			return
		}
		b, err := rqlite.JSON.Marshal(v)
		if err != nil {
			t.Fatalf("parsePyLiteral(%q) = %v, which cannot be serialized: %v", s, v, err)
		}
		w, err := decodeJSONArg(string(b))
		if err != nil {
			t.Fatalf("parsePyLiteral(%q) = %v, whose JSON %s cannot be read: %v", s, v, b, err)
		}
		if a, b := pyCanon(t, untuple(v)), pyCanon(t, w); a != b { // JSON writes a tuple as a list
			t.Fatalf("parsePyLiteral(%q) = %s, but its JSON reads %s", s, a, b)
		}
	})
}

// untuple is v with its tuples, at any depth, made lists, as JSON writes
// them.
func untuple(v any) any {
	switch v := v.(type) {
	case rqlite.Tuple:
		return untuple([]any(v))
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = untuple(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = untuple(x)
		}
		return out
	}
	return v
}
