package main

// Target is one of the project's performance targets and how this run
// met it: a figure compared with a bound, the lower of one or more terms,
// each a factor times another figure of the same run.
type Target struct {
	Name     string   `json:"name"`
	Measured *float64 `json:"measured"` // the figure compared, in Unit
	Unit     string   `json:"unit"`     // "jobs/s", "ms" or "MB"
	Op       string   `json:"op"`       // ">=" or "<="
	Terms    []Term   `json:"terms"`
	// Limit is the bound, the lower of the terms; null when a figure of a
	// term was not measured.
	Limit *float64 `json:"limit"`
	// Binding is the label of the term that gives the limit, when there
	// are several.
	Binding string `json:"binding,omitempty"`
	// Status is "pass", "fail", "not measured" (the figure compared) or
	// "not computable" (the limit).
	Status string `json:"status"`
}

// Term is one term of a target's bound: Factor times the figure Of.
type Term struct {
	Label  string   `json:"label"`
	Factor float64  `json:"factor"`
	Of     *float64 `json:"of"` // in the target's unit; null when not measured
}

// The statuses of a target.
const (
	statusPass               = "pass"
	statusFail               = "fail"
	statusNotMeasured        = "not measured"
	statusNotComputable      = "not computable"
	unitRate, unitMS, unitMB = "jobs/s", "ms", "MB"
)

// termSpec is a term of a target's bound.
type termSpec struct {
	label  string
	factor float64
	of     func(r *Results) *float64
}

// targetSpec defines a target from the figures it compares.
type targetSpec struct {
	name  string
	unit  string
	op    string
	value func(r *Results) *float64
	terms []termSpec
}

// roundTripMS is the time of one PING round trip, in milliseconds.
func roundTripMS(r *Results) *float64 {
	if r.RoundTrip == nil || *r.RoundTrip == 0 {
		return nil
	}
	return ptr(1000 / *r.RoundTrip)
}

// The targets of the second performance round: a bound that names a peer
// and a ceiling is the lower of the two.
var targetSpecs = []targetSpec{
	{"enqueue, one call at a time", unitRate, ">=", func(r *Results) *float64 { return r.Enqueue }, []termSpec{
		{"asynq", 1.1, func(r *Results) *float64 { return r.AsynqEnqueue }},
		{"PING", 0.9, func(r *Results) *float64 { return r.RoundTrip }}}},
	{"enqueue, one call at a time", unitRate, ">=", func(r *Results) *float64 { return r.Enqueue }, []termSpec{
		{"Python RQ", 3, func(r *Results) *float64 { return r.RQEnqueue }}}},
	{"enqueue from 16 goroutines at once", unitRate, ">=", func(r *Results) *float64 { return r.Enqueue16 }, []termSpec{
		{"asynq from 16 goroutines", 1.5, func(r *Results) *float64 { return r.AsynqEnqueue16 }}}},
	{"EnqueueMany, batches of 1,000", unitRate, ">=", func(r *Results) *float64 { return r.EnqueueMany }, []termSpec{
		{"bare pipeline", 0.8, func(r *Results) *float64 { return r.EnqueueManyCeiling }}}},
	{"EnqueueMany, batches of 1,000", unitRate, ">=", func(r *Results) *float64 { return r.EnqueueMany }, []termSpec{
		{"asynq's enqueue", 10, func(r *Results) *float64 { return r.AsynqEnqueue }}}},
	{"one worker, one job at a time", unitRate, ">=", func(r *Results) *float64 { return r.Worker }, []termSpec{
		{"asynq c1", 1.1, func(r *Results) *float64 { return r.AsynqC1 }},
		{"RQ's writes", 0.9, func(r *Results) *float64 { return r.RQWritesFloor }}}},
	{"one worker, one job at a time", unitRate, ">=", func(r *Results) *float64 { return r.Worker }, []termSpec{
		{"Python RQ SimpleWorker", 15, func(r *Results) *float64 { return r.RQSimpleWorker }}}},
	{"worker-pool -n 10", unitRate, ">=", func(r *Results) *float64 { return r.Pool10 }, []termSpec{
		{"asynq c10", 1.5, func(r *Results) *float64 { return r.AsynqC10 }},
		{"RQ's writes from 10 clients", 0.85, func(r *Results) *float64 { return r.RQWritesFloor10 }}}},
	{"process isolation", unitRate, ">=", func(r *Results) *float64 { return r.Isolated }, []termSpec{
		{"Python RQ's forking Worker", 20, func(r *Results) *float64 { return r.RQWorker }}}},
	{"process isolation", unitRate, ">=", func(r *Results) *float64 { return r.Isolated }, []termSpec{
		{"rqlite's in-process worker", 0.7, func(r *Results) *float64 { return r.Worker }}}},
	{"enqueue→start latency, idle worker, p50", unitMS, "<=", func(r *Results) *float64 { return r.LatencyP50 }, []termSpec{
		{"PING round trip", 4, roundTripMS}}},
	{"enqueue→start latency, idle worker, p99", unitMS, "<=", func(r *Results) *float64 { return r.LatencyP99 }, []termSpec{
		{"PING round trip", 15, roundTripMS}}},
	{"idle worker RSS", unitMB, "<=", func(r *Results) *float64 { return r.WorkerRSS }, []termSpec{
		{"asynq c1", 0.9, func(r *Results) *float64 { return r.AsynqC1RSS }}}},
	{"idle worker-pool -n 10 RSS", unitMB, "<=", func(r *Results) *float64 { return r.Pool10RSS }, []termSpec{
		{"asynq c10", 1, func(r *Results) *float64 { return r.AsynqC10RSS }}}},
	{"drain rate, 1,000,000 queued", unitRate, ">=", func(r *Results) *float64 { return r.Drain1M }, []termSpec{
		{"1,000 queued", 0.9, func(r *Results) *float64 { return r.Drain1k }}}},
	{"rq stats time, large registries", unitMS, "<=", func(r *Results) *float64 { return r.StatsLarge }, []termSpec{
		{"small registries", 1.5, func(r *Results) *float64 { return r.StatsSmall }}}},
}

// unitDecimals is the precision kept of a value in each unit.
func unitDecimals(unit string) int {
	switch unit {
	case unitMS:
		return 4
	case unitMB:
		return 2
	}
	return 0
}

// evaluate compares the figures of r with the targets.
func evaluate(r *Results) []Target {
	ts := make([]Target, len(targetSpecs))
	for i, s := range targetSpecs {
		ts[i] = s.evaluate(r)
	}
	return ts
}

// evaluate computes the target's bound from the figures of r (the lower
// of its terms, all of which must be known) and compares the figure with
// it, both rounded to the unit's precision.
func (s targetSpec) evaluate(r *Results) Target {
	d := unitDecimals(s.unit)
	t := Target{Name: s.name, Unit: s.unit, Op: s.op, Status: statusNotComputable}
	if v := s.value(r); v != nil {
		t.Measured = ptr(round(*v, d))
	}
	known := true
	var limit float64
	for i, ts := range s.terms {
		term := Term{Label: ts.label, Factor: ts.factor}
		if of := ts.of(r); of != nil {
			term.Of = ptr(round(*of, d))
			if b := ts.factor * *of; i == 0 || b < limit {
				limit = b
				if len(s.terms) > 1 {
					t.Binding = ts.label
				}
			}
		} else {
			known = false
		}
		t.Terms = append(t.Terms, term)
	}
	if !known {
		t.Binding = ""
		return t
	}
	t.Limit = ptr(round(limit, d))
	switch {
	case t.Measured == nil:
		t.Status = statusNotMeasured
	case s.op == "<=" && *t.Measured <= *t.Limit, s.op == ">=" && *t.Measured >= *t.Limit:
		t.Status = statusPass
	default:
		t.Status = statusFail
	}
	return t
}
