package rqlite

// HorseStatus is how a work horse ended, as waitpid told the worker.
type HorseStatus struct {
	// Raw is waitpid's status, as RQ's ret_val and its log line show it.
	Raw int
	// ExitCode is the horse's exit code; -1 when a signal ended it.
	ExitCode int
	// Signal is the number of the signal that ended it; 0 if none did.
	Signal int
}

// death is the ran of a job whose horse h died under it (h has exited).
func (h *horse) death() ran {
	st := HorseStatus{Raw: rawStatus(h.status), ExitCode: h.status.ExitStatus()}
	if h.status.Signaled() {
		st.Signal = int(h.status.Signal())
	}
	return ran{died: h.diedReason(), horsePID: h.cmd.Process.Pid, horseStatus: st}
}

// horseKilled calls the worker's HorseKilled for job, whose horse died as
// r tells, as RQ's handle_work_horse_killed. A panic there is logged.
func (w *Worker) horseKilled(job *Job, r ran) {
	if w.opts.HorseKilled == nil || r.horsePID == 0 {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			w.log.failure(failureText(newPanicError(p), "", func(s string) string { return s }),
				"[Job %s]: the work-horse-killed handler panicked", job.ID)
		}
	}()
	w.opts.HorseKilled(job, r.horsePID, r.horseStatus)
}
