package rqlite

import "time"

// Version is rqlite's version, written in each worker's hash and log.
const Version = "0.1.0"

// Worker defaults, as in RQ.
const (
	// DefaultWorkerTTL bounds how long a worker's key outlives its last
	// heartbeat while it waits for work (plus 60 s).
	DefaultWorkerTTL = 420 * time.Second
	// DefaultJobMonitoringInterval is how often a worker refreshes the
	// heartbeat of the job it runs.
	DefaultJobMonitoringInterval = 30 * time.Second
	// DefaultMaintenanceInterval is how often a worker cleans the
	// registries of its queues.
	DefaultMaintenanceInterval = 600 * time.Second
)

// WorkerOptions configure a Worker. The zero value of each field means the
// default.
type WorkerOptions struct {
	// Name identifies the worker in Redis (rq:worker:NAME); a random hex
	// UUID by default.
	Name string
	// Burst makes Work return once the queues are empty, instead of
	// waiting for more jobs.
	Burst bool
	// MaxJobs makes Work return after that many jobs; 0 means no limit.
	MaxJobs int
	// ResultTTL is the result TTL of jobs that do not set one (RQ's
	// --results-ttl): DefaultResultTTL by default.
	ResultTTL time.Duration
	// WorkerTTL is RQ's --worker-ttl; DefaultWorkerTTL by default.
	WorkerTTL time.Duration
	// JobMonitoringInterval is how often a running job's heartbeat is
	// refreshed; DefaultJobMonitoringInterval by default.
	JobMonitoringInterval time.Duration
	// MaintenanceInterval is how often the registries are cleaned;
	// DefaultMaintenanceInterval by default.
	MaintenanceInterval time.Duration
	// Serializer decodes the jobs and encodes their results; JSON by
	// default. It must be the one the producers use.
	Serializer Serializer
	// Tasks is where the jobs' functions are looked up; DefaultTasks by
	// default.
	Tasks *TaskRegistry
	// Logger writes the worker's log; a Logger on standard output and
	// error by default.
	Logger *Logger
	// Now is the clock of what the worker writes to Redis; time.Now by
	// default.
	Now func() time.Time
	// Isolated runs each job in a child process (a work horse), as RQ's
	// forking Worker, so that a job that ignores its timeout, loops for
	// ever or crashes is killed without taking the worker down. See
	// ServeHorseIfChild.
	Isolated bool
	// RQ2 writes RQ 2.x's layout instead of RQ 1.13's, for a Redis shared
	// with RQ 2.x: started-registry members ID:EXECUTION, the execution
	// keys (rq:execution:ID:EXECUTION, rq:executions:ID) and the extra
	// fields of result entries.
	RQ2 bool
	// WithScheduler runs a Scheduler for the worker's queues while the
	// worker works (rq worker --with-scheduler).
	WithScheduler bool
	// DequeueStrategy is the order in which the queues are looked at for
	// each job (RQ's --dequeue-strategy); DequeueDefault by default.
	DequeueStrategy DequeueStrategy
	// MaxIdleTime, if set, makes Work return once the worker has waited
	// that long for a job without getting one (RQ's --max-idle-time). It
	// is counted in whole seconds, as a worker waits in turns of a second.
	MaxIdleTime time.Duration
	// ExceptionHandlers are called in order after a job's function fails
	// (an error, a panic, its timeout, a success callback that fails),
	// after its failure callback and before its failure is recorded, as
	// RQ's exception handlers; see ExceptionHandler.
	ExceptionHandlers []ExceptionHandler
	// HorseKilled, if set, is called when an isolated worker's work horse
	// dies under a job (it crashed, was killed by a signal or by RQ's
	// kill-horse command, or the worker killed it when it ignored the
	// job's timeout), before the job is recorded failed, as RQ's
	// work_horse_killed_handler. Not for a horse killed to stop its job
	// (rq stop) or by a cold shut down, as in RQ.
	HorseKilled func(job *Job, pid int, status HorseStatus)
	// JobDone, if set, is called after each job the worker runs, with the
	// job's ID and final status; a progress bar, for instance.
	JobDone func(id string, status Status)
}

// setDefaults fills the options left at their zero value.
func (o *WorkerOptions) setDefaults() {
	if o.ResultTTL == 0 {
		o.ResultTTL = DefaultResultTTL
	}
	if o.WorkerTTL == 0 {
		o.WorkerTTL = DefaultWorkerTTL
	}
	if o.JobMonitoringInterval == 0 {
		o.JobMonitoringInterval = DefaultJobMonitoringInterval
	}
	if o.MaintenanceInterval == 0 {
		o.MaintenanceInterval = DefaultMaintenanceInterval
	}
	if o.Tasks == nil {
		o.Tasks = DefaultTasks
	}
}
