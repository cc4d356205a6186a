package cli

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"
)

// The progress bar of rq worker --burst, when the worker runs in a terminal.
//
// A bar redrawn with \r on the line where the cursor happens to be mixes
// with whatever else is written to the terminal: the worker's log and the
// tasks' own output, such as "tarea_pesada_y_falible (6) ......", which is
// written a dot at a time, before its line ends. So the bar owns the
// terminal, as cargo's or pip's do. What the process writes to standard
// output and standard error (the log, the tasks, the work horses of
// --isolated, which inherit them) goes through one pipe to a statusScreen,
// the only writer to the terminal. It writes complete lines above a status
// line that always stays last: the bar, then the line that is still being
// written. A line is written to the terminal once it is complete, so no
// line is ever split by the bar, and the terminal ends up with exactly the
// text that it shows without the bar. See captureOutput for the pipe.

// A statusScreen writes text to a terminal above a status line that stays
// on the terminal's last line. It keeps back the text after the last
// newline, which it shows in the status line meanwhile, and writes it once
// the line is complete. Its methods may be called from any goroutine.
type statusScreen struct {
	term   io.Writer        // the terminal
	width  func() int       // its width in columns (80 when unknown)
	status func(int) string // the status line's text for a width

	mu      sync.Mutex
	held    []byte // text after the last newline, not yet written
	shown   bool   // the status line is on the terminal
	midLine bool   // the terminal's cursor is after text that has no newline yet
	closed  bool
}

// maxHeld is the longest unfinished line that a statusScreen keeps back;
// beyond it, the text is written as it is and the status line waits for
// the next newline.
const maxHeld = 16 << 10

// clearLine moves the cursor to the start of its line and clears the line.
const clearLine = "\r\x1b[2K"

// Write writes complete lines of p above the status line and keeps the
// rest, which the status line shows, for later.
func (s *statusScreen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.term.Write(p)
	}
	var out bytes.Buffer
	s.clear(&out)
	s.held = append(s.held, p...)
	if i := bytes.LastIndexByte(s.held, '\n'); i >= 0 {
		out.Write(s.held[:i+1])
		s.held = append([]byte(nil), s.held[i+1:]...)
		s.midLine = false
	}
	if len(s.held) > 0 && (s.midLine || len(s.held) > maxHeld) {
		out.Write(s.held)
		s.held = nil
		s.midLine = true
	}
	s.draw(&out)
	if _, err := s.term.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Refresh redraws the status line, for a new state of the bar.
func (s *statusScreen) Refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.midLine {
		return
	}
	var out bytes.Buffer
	s.clear(&out)
	s.draw(&out)
	s.term.Write(out.Bytes())
}

// Close clears the status line and writes the text kept back, as it is;
// later writes go straight to the terminal.
func (s *statusScreen) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	var out bytes.Buffer
	s.clear(&out)
	out.Write(s.held)
	s.held = nil
	if out.Len() > 0 {
		s.term.Write(out.Bytes())
	}
}

func (s *statusScreen) clear(out *bytes.Buffer) {
	if s.shown {
		out.WriteString(clearLine)
		s.shown = false
	}
}

// draw adds the status line to out, unless text without a newline is on
// the terminal's last line.
func (s *statusScreen) draw(out *bytes.Buffer) {
	if s.midLine {
		return
	}
	w := s.width()
	if w <= 0 {
		w = 80
	}
	w-- // never the last column: a full line would wrap in some terminals
	line := s.status(w)
	if tail := visible(s.held); tail != "" {
		if room := w - uniseg.StringWidth(line) - 2; room >= 10 {
			line += "  " + lastColumns(tail, room)
		}
	}
	out.WriteString(firstColumns(line, w))
	s.shown = true
}

// escapeRE matches ANSI escape sequences: CSI sequences (colours, cursor
// movements), OSC sequences and two-character escapes.
var escapeRE = regexp.MustCompile("\x1b(\\[[0-?]*[ -/]*[@-~]|\\][^\x07\x1b]*(\x07|\x1b\\\\)?|.?)")

// visible returns what a terminal would show of an unfinished line: the
// text after its last carriage return, without escape sequences or other
// control characters.
func visible(b []byte) string {
	if i := bytes.LastIndexByte(b, '\r'); i >= 0 {
		b = b[i+1:]
	}
	s := escapeRE.ReplaceAllString(string(b), "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < ' ' || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// firstColumns cuts s to at most w columns.
func firstColumns(s string, w int) string {
	if uniseg.StringWidth(s) <= w {
		return s
	}
	var b strings.Builder
	g := uniseg.NewGraphemes(s)
	for used := 0; g.Next(); {
		if used += g.Width(); used > w {
			break
		}
		b.WriteString(g.Str())
	}
	return b.String()
}

// lastColumns cuts s to its last w columns, marking the cut with "…".
func lastColumns(s string, w int) string {
	if uniseg.StringWidth(s) <= w {
		return s
	}
	var clusters []string
	var widths []int
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		clusters = append(clusters, g.Str())
		widths = append(widths, g.Width())
	}
	used, i := 1, len(clusters) // 1: the "…"
	for i > 0 && used+widths[i-1] <= w {
		i--
		used += widths[i]
	}
	return "…" + strings.Join(clusters[i:], "")
}

// A burstBar counts the jobs of a burst: those done, out of those done
// plus those waiting.
type burstBar struct {
	mu          sync.Mutex
	start       time.Time
	done, total int64
	now         func() time.Time
}

func newBurstBar(total int64) *burstBar {
	return &burstBar{start: time.Now(), total: total, now: time.Now}
}

// jobDone counts one more job done, with waiting jobs still queued.
func (b *burstBar) jobDone(waiting int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done++
	b.total = max(b.total, b.done+waiting)
}

// line renders the bar in at most w columns, as
//
//	burst  41% |████████████████                        | (5/12) [2s:3s]
//
// with the time since the burst started and an estimate of the time left.
func (b *burstBar) line(w int) string {
	b.mu.Lock()
	done, total := b.done, b.total
	elapsed := b.now().Sub(b.start).Truncate(time.Second)
	b.mu.Unlock()
	percent := int64(100)
	if total > 0 {
		percent = done * 100 / total
	}
	clock := elapsed.String()
	if done > 0 {
		left := elapsed * time.Duration(total-done) / time.Duration(done)
		clock += ":" + left.Truncate(time.Second).String()
	}
	head := fmt.Sprintf("burst %3d%% |", percent)
	tail := fmt.Sprintf("| (%d/%d) [%s]", done, total, clock)
	size := min(40, w-uniseg.StringWidth(head)-uniseg.StringWidth(tail))
	if size < 10 {
		return firstColumns(fmt.Sprintf("burst %3d%% (%d/%d)", percent, done, total), w)
	}
	full := int(int64(size) * percent / 100)
	return head + strings.Repeat("█", full) + strings.Repeat(" ", size-full) + tail
}
