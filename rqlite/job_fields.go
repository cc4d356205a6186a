package rqlite

// knownJobFields are the fields of a job hash that a Go worker knows: those
// of RQ 1.13 and those of RQ 2.x that it honours or keeps as they are
// (read in RQ 2.10's Job.to_dict and restore, rq/job.py). This is the one
// list: a field not in it is one the worker does not understand, which it
// reports once (see warnUnknownFields) and keeps as it is, since every
// script writes a job's fields with HSET, one by one.
var knownJobFields = setOf(
	// RQ 1.13.
	"created_at", "data", "success_callback_name", "failure_callback_name", "started_at", "ended_at",
	"last_heartbeat", "worker_name", "origin", "description", "enqueued_at", "exc_info", "result",
	"timeout", "result_ttl", "failure_ttl", "ttl", "status", "dependency_id", "dependency_ids", "meta",
	"retries_left", "retry_intervals", "allow_dependency_failures", "enqueue_at_front",
	// RQ 2.x: the stopped callback, the group (kept as it is), the count of
	// Retry results (kept: a Go task returns no Python Retry).
	"stopped_callback_name", "group_id", "number_of_retries",
	// RQ 2.x, honoured in its layout (WorkerOptions.RQ2): Repeat
	// (repeat.lua), Callback(timeout=...) (callbackTimeoutOf),
	// Retry(enqueue_at_front=True) (retry.lua).
	"repeats_left", "repeat_intervals",
	"success_callback_timeout", "failure_callback_timeout", "stopped_callback_timeout",
	"enqueue_at_front_on_retry",
)

// setOf is the set of names.
func setOf(names ...string) map[string]bool {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}

// unknownFieldsWarning is the warning for a job field the worker does not
// understand: the job's ID and the field.
const unknownFieldsWarning = "Job %s has field %s, which this worker does not understand; it is kept as it is"

// warnUnknownFields logs, once per field name for the worker, each field of
// job id's hash h that is not in knownJobFields.
func (w *Worker) warnUnknownFields(id string, h map[string]string) {
	for f := range h {
		if knownJobFields[f] {
			continue
		}
		if _, seen := w.unknownFields.LoadOrStore(f, true); !seen {
			w.log.Warnf(unknownFieldsWarning, id, f)
		}
	}
}
