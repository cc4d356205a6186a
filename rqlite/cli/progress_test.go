package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// A termEmulator is the little of a terminal that the tests need: it
// prints characters, wraps at its width, and knows \r, \n (as \r\n, as
// the line discipline of a terminal writes it), \b, \t and the
// erase-in-line sequences ESC[K, ESC[1K and ESC[2K; it ignores colours
// (ESC[...m). Any other escape sequence fails the test: the progress bar
// must not move the cursor. Rows are kept for ever (there is no scrolling
// region), so that the rows are the whole session, as a terminal's
// scrollback shows it.
type termEmulator struct {
	t        testing.TB
	width    int
	rows     [][]rune
	wrapped  []bool // row i goes on in row i+1
	row, col int    // col == width: the next character wraps
	rest     []byte // an escape sequence or a character cut by the chunk's end
	// leave, if set, is called with each row the cursor leaves downwards.
	leave func(row string)
	// erased, if set, is called with each row that ESC[2K erases.
	erased func(row string)
}

func newTermEmulator(t testing.TB, width int) *termEmulator {
	return &termEmulator{t: t, width: width, rows: [][]rune{nil}, wrapped: []bool{false}}
}

func (e *termEmulator) Write(p []byte) (int, error) {
	e.feed(p)
	return len(p), nil
}

var csiRE = regexp.MustCompile(`^\x1b\[([0-9;?]*)([@-~])`)

func (e *termEmulator) feed(p []byte) {
	b := append(e.rest, p...)
	e.rest = nil
	for len(b) > 0 {
		switch c := b[0]; {
		case c == '\x1b':
			m := csiRE.FindSubmatch(b)
			if m == nil {
				if len(b) < 16 && !strings.ContainsAny(string(b[1:]), "\x1b\r\n") {
					e.rest = append([]byte(nil), b...)
					return
				}
				e.t.Fatalf("terminal: unsupported escape sequence %q", b[:min(len(b), 10)])
			}
			e.csi(string(m[1]), m[2][0])
			b = b[len(m[0]):]
		case c == '\r':
			e.col = 0
			b = b[1:]
		case c == '\n': // as a terminal's line discipline does by default (onlcr)
			e.col = 0
			e.down()
			b = b[1:]
		case c == '\b':
			e.col = max(0, min(e.col, e.width-1)-1)
			b = b[1:]
		case c == '\t':
			e.col = min((e.col/8+1)*8, e.width-1)
			b = b[1:]
		case c < ' ' || c == 0x7f:
			b = b[1:] // BEL and the like
		default:
			if !utf8.FullRune(b) {
				e.rest = append([]byte(nil), b...)
				return
			}
			r, n := utf8.DecodeRune(b)
			e.put(r)
			b = b[n:]
		}
	}
}

func (e *termEmulator) csi(params string, final byte) {
	switch final {
	case 'm':
		return
	case 'K':
		line := e.rows[e.row]
		switch params {
		case "", "0":
			if e.col < len(line) {
				e.rows[e.row] = line[:e.col]
			}
		case "1":
			for i := 0; i <= e.col && i < len(line); i++ {
				line[i] = ' '
			}
		case "2":
			if e.erased != nil {
				e.erased(string(line))
			}
			e.rows[e.row] = nil
		default:
			e.t.Fatalf("terminal: unsupported ESC[%sK", params)
		}
		return
	}
	e.t.Fatalf("terminal: unsupported escape sequence ESC[%s%c", params, final)
}

func (e *termEmulator) down() {
	if e.leave != nil {
		e.leave(e.rowText(e.row))
	}
	e.row++
	if e.row == len(e.rows) {
		e.rows = append(e.rows, nil)
		e.wrapped = append(e.wrapped, false)
	}
}

func (e *termEmulator) put(r rune) {
	if e.col >= e.width {
		e.wrapped[e.row] = true
		e.down()
		e.col = 0
	}
	line := e.rows[e.row]
	for len(line) <= e.col {
		line = append(line, ' ')
	}
	line[e.col] = r
	e.rows[e.row] = line
	e.col++
}

func (e *termEmulator) rowText(i int) string {
	return strings.TrimRight(string(e.rows[i]), " ")
}

// lines returns the screen's lines: rows that wrapped are joined, as a
// terminal copies them.
func (e *termEmulator) lines() []string {
	var out []string
	var cur strings.Builder
	for i := range e.rows {
		if e.wrapped[i] {
			cur.WriteString(string(e.rows[i]))
			continue
		}
		cur.WriteString(e.rowText(i))
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// cursorRow is the text of the row the cursor is on.
func (e *termEmulator) cursorRow() string { return e.rowText(e.row) }

func TestTermEmulator(t *testing.T) {
	e := newTermEmulator(t, 10)
	e.feed([]byte("hola\r\nadiós\rA\x1b[Kx\n\r0123456789ab\r\n\x1b[31mro\x1b[0mjo\x1b[2K\rfin\x1b["))
	e.feed([]byte("K"))
	want := []string{"hola", "Ax", "0123456789ab", "fin"}
	if got := e.lines(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines = %q, want %q", got, want)
	}
	if e.cursorRow() != "fin" {
		t.Errorf("cursor row %q", e.cursorRow())
	}
}

// barRE matches a progress bar of rq worker --burst.
var barRE = regexp.MustCompile(`burst +\d+% `)

// screenTest drives a statusScreen on a termEmulator whose width is 60,
// with "BAR" as its status.
type screenTest struct {
	t *testing.T
	e *termEmulator
	s *statusScreen
}

func newScreenTest(t *testing.T) *screenTest {
	e := newTermEmulator(t, 60)
	e.leave = func(row string) {
		if strings.HasPrefix(row, "BAR") {
			t.Errorf("the status line was left behind: %q", row)
		}
	}
	s := &statusScreen{term: e, width: func() int { return 60 }, status: func(int) string { return "BAR" }}
	return &screenTest{t, e, s}
}

func (st *screenTest) write(s string) {
	st.t.Helper()
	if n, err := st.s.Write([]byte(s)); n != len(s) || err != nil {
		st.t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

func (st *screenTest) want(lines ...string) {
	st.t.Helper()
	if got := st.e.lines(); strings.Join(got, "\n") != strings.Join(lines, "\n") {
		st.t.Errorf("screen:\n%s\nwant:\n%s", shorten(got), shorten(lines))
	}
}

// shorten joins lines for a failure message, with long lines cut.
func shorten(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if len(l) > 200 {
			l = fmt.Sprintf("%s... (%d bytes)", l[:100], len(l))
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestStatusScreenKeepsStatusLast(t *testing.T) {
	st := newScreenTest(t)
	st.s.Refresh()
	st.want("BAR")
	st.write("15:09:00 default: tareas.contar_hasta(3) (j1)\n")
	st.want("15:09:00 default: tareas.contar_hasta(3) (j1)", "BAR")
	// A task's unfinished line is shown after the bar, not written yet.
	st.write("contar_hasta (3)")
	st.write(" 1")
	st.s.Refresh()
	st.write(" 2")
	st.want("15:09:00 default: tareas.contar_hasta(3) (j1)", "BAR  contar_hasta (3) 1 2")
	// Once the line is complete, it is written whole above the bar.
	st.write(" 3 \x1b[32m[OK]\x1b[0m\n15:09:03 default: Job OK (j1)\n15:09:03 Res")
	st.want("15:09:00 default: tareas.contar_hasta(3) (j1)", "contar_hasta (3) 1 2 3 [OK]",
		"15:09:03 default: Job OK (j1)", "BAR  15:09:03 Res")
	st.write("ult is kept for 500 seconds\n")
	st.s.Close()
	st.want("15:09:00 default: tareas.contar_hasta(3) (j1)", "contar_hasta (3) 1 2 3 [OK]",
		"15:09:03 default: Job OK (j1)", "15:09:03 Result is kept for 500 seconds", "")
	// After Close, writes go straight to the terminal.
	st.write("adiós")
	st.want("15:09:00 default: tareas.contar_hasta(3) (j1)", "contar_hasta (3) 1 2 3 [OK]",
		"15:09:03 default: Job OK (j1)", "15:09:03 Result is kept for 500 seconds", "adiós")
}

func TestStatusScreenCloseWritesUnfinishedLine(t *testing.T) {
	st := newScreenTest(t)
	st.write("tarea_pesada_y_falible (6) ")
	st.want("BAR  tarea_pesada_y_falible (6)")
	st.s.Close()
	st.want("tarea_pesada_y_falible (6)")
	if st.e.col != len("tarea_pesada_y_falible (6) ") {
		t.Errorf("cursor at column %d, want it after the text", st.e.col)
	}
}

func TestStatusScreenVeryLongLine(t *testing.T) {
	st := newScreenTest(t)
	long := strings.Repeat("x", maxHeld+1)
	st.write(long)
	// Written as it is; no status line until the line ends.
	if got := st.e.lines(); len(got) != 1 || got[0] != long {
		t.Fatalf("screen has %d lines; want the long line alone", len(got))
	}
	st.s.Refresh()
	st.write("y")
	if got := st.e.lines(); len(got) != 1 || got[0] != long+"y" {
		t.Fatalf("screen has %d lines; want the long line alone", len(got))
	}
	st.write("z\nnext")
	st.want(long+"yz", "BAR  next")
}

func TestStatusLineFitsTheTerminal(t *testing.T) {
	for _, width := range []int{8, 20, 40, 80, 120} {
		e := newTermEmulator(t, width)
		bar := newBurstBar(12)
		s := &statusScreen{term: e, width: func() int { return width }, status: bar.line}
		s.Write([]byte("\x1b[32m🙂 contar_hasta\tcon emojis 🙂🙂🙂 y \x1b]0;título\x07más texto\rsolo esto ✔ 完了 " + strings.Repeat("·", 200)))
		if len(e.rows) != 1 || e.wrapped[0] {
			t.Fatalf("width %d: the status line takes %d rows: %q", width, len(e.rows), e.lines())
		}
		if w := uniseg.StringWidth(e.cursorRow()); w >= width {
			t.Errorf("width %d: status line %q is %d columns wide", width, e.cursorRow(), w)
		}
		if width >= 80 && !strings.HasSuffix(e.cursorRow(), "···") {
			t.Errorf("width %d: the status line does not end with the line's end: %q", width, e.cursorRow())
		}
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"contar_hasta (3) 1 2":                  "contar_hasta (3) 1 2",
		"a\x1b[32mverde\x1b[0m\tb":              "averde b",
		"descargando 10%\rdescargando 20%":      "descargando 20%",
		"\x1b]0;title\x07texto\x07":             "texto",
		"\x1b[?25lsin cursor\x1b7\x1b8\x1b[10A": "sin cursor",
	} {
		if got := visible([]byte(in)); got != want {
			t.Errorf("visible(%q) = %q, want %q", in, got, want)
		}
	}
	if got := lastColumns("0123456789", 5); got != "…6789" {
		t.Errorf("lastColumns = %q", got)
	}
	if got := firstColumns("完了完了", 5); got != "完了" {
		t.Errorf("firstColumns = %q", got)
	}
}

func TestBurstBarLine(t *testing.T) {
	start := time.Date(2026, 1, 2, 15, 9, 0, 0, time.UTC)
	now := start
	b := &burstBar{start: start, total: 12, now: func() time.Time { return now }}
	if got, want := b.line(119), "burst   0% |                                        | (0/12) [0s]"; got != want {
		t.Errorf("line =\n%q, want\n%q", got, want)
	}
	for range 5 {
		b.jobDone(7)
	}
	now = start.Add(2500 * time.Millisecond)
	if got, want := b.line(119), "burst  41% |████████████████                        | (5/12) [2s:2s]"; got != want {
		t.Errorf("line =\n%q, want\n%q", got, want)
	}
	// Jobs queued meanwhile make the burst longer.
	b.jobDone(10)
	if got := b.line(119); !strings.Contains(got, "(6/16)") {
		t.Errorf("line = %q, want (6/16)", got)
	}
	for _, w := range []int{30, 40, 60} {
		got := b.line(w)
		if uniseg.StringWidth(got) > w || !barRE.MatchString(got) {
			t.Errorf("line(%d) = %q", w, got)
		}
	}
	if got := b.line(20); got != "burst  37% (6/16)" {
		t.Errorf("line(20) = %q", got)
	}
	for range 10 {
		b.jobDone(0)
	}
	if got := b.line(119); !strings.HasPrefix(got, "burst 100% |"+strings.Repeat("█", 40)+"| (16/16)") {
		t.Errorf("line = %q", got)
	}
}
