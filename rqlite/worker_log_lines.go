package rqlite

import (
	"fmt"
	"os"
	"time"

	"github.com/fatih/color"
)

// The worker's log records whose text differs between RQ 1.13 and RQ 2.x:
// in RQ 2.x's layout (WorkerOptions.RQ2) the worker writes them as RQ
// 2.3.3's worker does, so that a fleet of Python and Go workers logs
// alike. The others are the same in both.

// logStarted writes the record of the worker's start.
func (w *Worker) logStarted() {
	if w.opts.RQ2 {
		w.log.Infof("Worker %s started with PID %d, version %s", w.Key(), os.Getpid(), Version)
		return
	}
	w.log.Infof("Worker %s: started, version %s", w.Key(), Version)
}

// warmShutdownLine is the record of a warm shut down asked for.
func (w *Worker) warmShutdownLine() string {
	if w.opts.RQ2 {
		return fmt.Sprintf("Worker %s [PID %d]: warm shut down requested", w.name, os.Getpid())
	}
	return "Warm shut down requested"
}

// logDequeued writes the record of a job taken: its description, or its
// ID alone when it has none, as RQ.
func (w *Worker) logDequeued(d *dequeued) {
	queue := w.log.paint(color.FgGreen, d.queue)
	if desc := d.hash["description"]; desc != "" {
		w.log.Infof("%s: %s (%s)", queue, w.log.paint(color.FgBlue, desc), d.id)
		return
	}
	w.log.Infof("%s: %s", queue, d.id)
}

// logCompleted writes, in RQ 2.x's layout, the record that RQ 2.3.3
// writes before "Job OK": the job and how long it ran.
func (w *Worker) logCompleted(d *dequeued, elapsed time.Duration) {
	if !w.opts.RQ2 {
		return
	}
	if desc := d.hash["description"]; desc != "" {
		w.log.Infof("Successfully completed %s job in %ss on worker %s", desc, pyTimedelta(elapsed), w.name)
		return
	}
	w.log.Infof("Successfully completed job %s in %ss on worker %s", d.id, pyTimedelta(elapsed), w.name)
}

// pyTimedelta writes d, a duration of zero or more, as Python's
// str(timedelta) does: "H:MM:SS", with ".ffffff" when it has
// microseconds, and "N day(s), " before when it is a day or more.
func pyTimedelta(d time.Duration) string {
	us := max(d.Microseconds(), 0) // a run's time, never negative
	days, us := us/(86400*1e6), us%(86400*1e6)
	s := fmt.Sprintf("%d:%02d:%02d", us/3600e6, us/60e6%60, us/1e6%60)
	if frac := us % 1e6; frac != 0 {
		s += fmt.Sprintf(".%06d", frac)
	}
	switch days {
	case 0:
	case 1:
		s = "1 day, " + s
	default:
		s = fmt.Sprintf("%d days, %s", days, s)
	}
	return s
}
