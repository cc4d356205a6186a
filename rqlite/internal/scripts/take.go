package scripts

// TakenJob is a job that a script took from its queue for a worker and
// marked started (take.lua).
type TakenJob struct {
	Queue string            // the name of the queue it came from
	ID    string            // the job's ID
	Hash  map[string]string // the job's hash, as it is once started
}

// DequeueReply is what the scripts that take a job answer: a job, workers
// suspended, or neither when every queue is empty.
type DequeueReply struct {
	Suspended bool      // workers are suspended; no job was taken
	Job       *TakenJob // the job taken, or nil

	// Limits is what the concurrency limits add when one is set
	// (dequeue.lua only).
	Limits *LimitsReply
}

// LimitsReply is what the concurrency limits add to dequeue.lua's reply.
type LimitsReply struct {
	Blocked   []string    // the keys of the queues whose first job waits for a slot
	BadLimits []BadLimit  // the limits ignored, as they are not numbers
	Resolve   *Unresolved // the job whose task name the caller is to pass back (DequeueArgs.Funcs)
}

// BadLimit is a concurrency limit that is not a whole number from 1 to
// 10^15 - 1, which the scripts ignore. Its name and value are cut short.
type BadLimit struct {
	Kind  string // queue or task
	Name  string
	Value string
}

// Unresolved is a job whose task name a take needs: its ID and its data
// field, the encoded call that holds the name.
type Unresolved struct {
	ID   string
	Data string
}

// readTake reads what take returns when it is not false: 'suspended', or
// the job taken, packed (see unpackJob).
func readTake(res any) (DequeueReply, bool) {
	if s, ok := res.(string); ok {
		return DequeueReply{Suspended: s == "suspended"}, s == "suspended"
	}
	job, ok := unpackJob(res)
	if !ok {
		return DequeueReply{}, false
	}
	return DequeueReply{Job: job}, true
}

// stringList reads a reply that is a list of strings.
func stringList(res any) ([]string, bool) {
	items, ok := res.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(items))
	for i, item := range items {
		if out[i], ok = item.(string); !ok {
			return nil, false
		}
	}
	return out, true
}
