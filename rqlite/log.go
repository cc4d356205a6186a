package rqlite

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// LogLevel orders log messages by importance, with the levels of Python's
// logging that RQ uses.
type LogLevel int

// The log levels.
const (
	LevelDebug   LogLevel = 10
	LevelInfo    LogLevel = 20
	LevelWarning LogLevel = 30
	LevelError   LogLevel = 40
)

// ParseLogLevel reads a level name as RQ's --logging_level takes it:
// DEBUG, INFO, WARNING (or WARN), ERROR, in any case.
func ParseLogLevel(s string) (LogLevel, error) {
	switch strings.ToUpper(s) {
	case "DEBUG":
		return LevelDebug, nil
	case "INFO":
		return LevelInfo, nil
	case "WARNING", "WARN":
		return LevelWarning, nil
	case "ERROR", "CRITICAL":
		return LevelError, nil
	}
	return 0, badOption("logging level", s, "use DEBUG, INFO, WARNING or ERROR")
}

// A Logger writes a worker's log as RQ does: each line starts with the
// local time ("15:09:00"); messages below ERROR go to Out and the rest to
// Err; queue names and job descriptions are coloured when Out is a
// terminal and NO_COLOR is not set.
type Logger struct {
	Out, Err io.Writer // os.Stdout and os.Stderr when nil
	Level    LogLevel  // LevelInfo when zero
	// DateFormat is a Go time layout; "15:04:05" when empty.
	DateFormat string
	// FormatTime, if set, formats the time prefix instead of DateFormat
	// (the rq command uses it for RQ's strftime formats).
	FormatTime func(time.Time) string
	// Now is the clock of the time prefix; time.Now when nil. It is only
	// for display: what the worker writes to Redis uses the worker's clock.
	Now func() time.Time
	// Color forces colours on (1) or off (-1); 0 decides by the terminal.
	Color int

	mu   sync.Mutex
	once sync.Once
	tty  bool
}

func (l *Logger) init() {
	l.once.Do(func() {
		if l.Out == nil {
			l.Out = os.Stdout
		}
		if l.Err == nil {
			l.Err = os.Stderr
		}
		if l.Level == 0 {
			l.Level = LevelInfo
		}
		if l.DateFormat == "" {
			l.DateFormat = "15:04:05"
		}
		if l.Now == nil {
			l.Now = logClock()
		}
		switch {
		case l.Color > 0:
			l.tty = true
		case l.Color < 0:
			l.tty = false
		default:
			f, ok := l.Out.(*os.File)
			_, noColor := os.LookupEnv("NO_COLOR")
			l.tty = ok && !noColor && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
		}
	})
}

// paint returns s on one line (see logSafe), coloured when the log goes
// to a terminal.
func (l *Logger) paint(attr color.Attribute, s string) painted {
	l.init()
	s = logSafe(s, MaxLogValue)
	if !l.tty {
		return painted(s)
	}
	return painted(colored(attr, s))
}

func colored(attr color.Attribute, s string) string {
	c := color.New(attr)
	c.EnableColor()
	return c.Sprint(s)
}

// log writes a record: format with args, each string of which is written
// on one line (see logArgs), then block, the worker's own text, if any,
// on the lines that follow.
func (l *Logger) log(level LogLevel, block, format string, args ...any) {
	l.init()
	if level < l.Level {
		return
	}
	msg := fmt.Sprintf(format, logArgs(args)...)
	if block != "" {
		msg += "\n" + logBlock(block)
	}
	if l.tty {
		switch level {
		case LevelWarning:
			msg = colored(color.FgYellow, msg)
		case LevelError:
			msg = colored(color.FgRed, msg)
		}
	}
	w := l.Out
	if level >= LevelError {
		w = l.Err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var stamp string
	if l.FormatTime != nil {
		stamp = l.FormatTime(l.Now())
	} else {
		stamp = l.Now().Format(l.DateFormat)
	}
	fmt.Fprintf(w, "%s %s\n", stamp, msg)
}

// Debugf, Infof, Warnf and Errorf write a record at their level: format
// with args, on one line. Each string, error or Stringer in args is
// written with its line breaks, control characters and bytes that are not
// UTF-8 escaped as Go escapes them (\n, \x1b), and cut after MaxLogValue
// bytes, so that text from a job cannot forge a record or reach the
// terminal as an escape sequence.
func (l *Logger) Debugf(format string, args ...any) { l.log(LevelDebug, "", format, args...) }

// Infof writes a record at LevelInfo.
func (l *Logger) Infof(format string, args ...any) { l.log(LevelInfo, "", format, args...) }

// Warnf writes a record at LevelWarning.
func (l *Logger) Warnf(format string, args ...any) { l.log(LevelWarning, "", format, args...) }

// Errorf writes a record at LevelError.
func (l *Logger) Errorf(format string, args ...any) { l.log(LevelError, "", format, args...) }

// failure writes a job's failure at LevelError: a record as Errorf writes
// it, then exc, the failure's exc_info as the worker composed it, on the
// lines that follow, as RQ logs a traceback. The parts of exc that came
// from the job must be on one line already (see failureText).
func (l *Logger) failure(exc, format string, args ...any) {
	l.log(LevelError, exc, format, args...)
}
