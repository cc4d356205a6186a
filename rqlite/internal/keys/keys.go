// Package keys names every Redis key that rqlite reads or writes, in the
// layout of Python RQ 1.13, so that both can share one Redis.
//
// Each function documents the Redis type of its key. Nothing else in rqlite
// builds a key name: the Lua scripts build theirs with the table KEY that
// package scripts generates from these functions.
package keys

const (
	// Queues is a SET of queue keys (rq:queue:NAME): every queue that has
	// ever received a job.
	Queues = "rq:queues"
	// Workers is a SET of worker keys (rq:worker:NAME) of living workers.
	Workers = "rq:workers"
	// Suspended is a STRING whose existence suspends every worker.
	Suspended = "rq:suspended"

	// Pattern matches every key of RQ's layout, for SCAN.
	Pattern = "rq:*"
	// QueuePrefix starts every queue key.
	QueuePrefix = "rq:queue:"
	// JobPrefix starts every job key.
	JobPrefix = "rq:job:"
	// WorkerPrefix starts every worker key.
	WorkerPrefix = "rq:worker:"
)

// Queue is the LIST of job IDs waiting in queue q, oldest at the left.
func Queue(q string) string { return QueuePrefix + q }

// Intermediate is the LIST of the job IDs that workers moved out of queue
// q and have not yet marked started (RQ 1.15+'s IntermediateQueue): what a
// worker that dies in between leaves there is recovered by maintenance.
func Intermediate(q string) string { return QueuePrefix + q + ":intermediate" }

// IntermediateFirstSeen is the STRING holding when maintenance first saw
// job id in queue q's intermediate list, epoch seconds.
func IntermediateFirstSeen(q, id string) string { return Intermediate(q) + ":first_seen:" + id }

// Job is the HASH of job id.
func Job(id string) string { return JobPrefix + id }

// Dependents is the SET of IDs of the jobs that wait for job id.
func Dependents(id string) string { return JobPrefix + id + ":dependents" }

// Dependencies is the SET of IDs that job id waits for. The double colon is
// RQ's own (it formats "rq:job:" + ":" + id) and is kept on purpose.
func Dependencies(id string) string { return JobPrefix + ":" + id + ":dependencies" }

// Execution is the HASH of one run of a job in RQ 2.x's layout; member is
// the job's started-registry member, ID:EXECUTION.
func Execution(member string) string { return "rq:execution:" + member }

// Executions is the ZSET of the execution IDs of job id in RQ 2.x's layout,
// scored by the time each expires.
func Executions(id string) string { return "rq:executions:" + id }

// Results is the STREAM of results of job id.
func Results(id string) string { return "rq:results:" + id }

// Started is the ZSET (StartedJobRegistry) of jobs running from queue q,
// scored by the time their heartbeat expires.
func Started(q string) string { return "rq:wip:" + q }

// Finished is the ZSET (FinishedJobRegistry) of queue q, scored by expiry.
func Finished(q string) string { return "rq:finished:" + q }

// Failed is the ZSET (FailedJobRegistry) of queue q, scored by expiry.
func Failed(q string) string { return "rq:failed:" + q }

// Deferred is the ZSET (DeferredJobRegistry) of jobs of queue q waiting for
// their dependencies, scored by the time they were deferred.
func Deferred(q string) string { return "rq:deferred:" + q }

// Scheduled is the ZSET (ScheduledJobRegistry) of queue q, scored by the
// epoch second at which each job is due.
func Scheduled(q string) string { return "rq:scheduled:" + q }

// Canceled is the ZSET (CanceledJobRegistry) of queue q.
func Canceled(q string) string { return "rq:canceled:" + q }

// Registries returns the keys of every registry of queue q.
func Registries(q string) []string {
	return []string{Started(q), Finished(q), Failed(q), Deferred(q), Scheduled(q), Canceled(q)}
}

// Worker is the HASH of worker name.
func Worker(name string) string { return WorkerPrefix + name }

// QueueWorkers is the SET of keys of the workers that listen on queue q.
func QueueWorkers(q string) string { return "rq:workers:" + q }

// PubSub is the channel on which worker name receives commands.
func PubSub(name string) string { return "rq:pubsub:" + name }

// CleaningLock is the STRING that lets one worker at a time clean the
// registries of queue q.
func CleaningLock(q string) string { return "rq:clean_registries:" + q }

// SchedulerLock is the STRING held by the scheduler that serves queue q.
func SchedulerLock(q string) string { return "rq:scheduler-lock:" + q }

// Groups is a SET of the names of RQ 2's groups (rq.group.Group).
const Groups = "rq:groups"

// Group is the SET of the IDs of one group's jobs.
func Group(name string) string { return "rq:group:" + name }

// CronSchedulers is the ZSET of the names of RQ 2.4+'s cron schedulers,
// scored by their last heartbeat (rq.cron_scheduler_registry).
const CronSchedulers = "rq:cron_schedulers"

// CronScheduler is the HASH of one cron scheduler's state.
func CronScheduler(name string) string { return "rq:cron_scheduler:" + name }

// CronClaim is the STRING by which one cron scheduler claims the run of
// cron job job (a digest of its task, queue, arguments and schedule) for
// the period that starts at period (Unix milliseconds): it is set only if
// it does not exist, so that of several schedulers with the same job one
// queues it. It expires after the period.
func CronClaim(job, period string) string { return "rq:cron_claim:" + job + ":" + period }

// QueueLimits is the HASH of the concurrency limits of queues: queue name,
// the most jobs of that queue that rqlite's workers run at once.
const QueueLimits = "rq:concurrency:queues"

// TaskLimits is the HASH of the concurrency limits of tasks: function name,
// the most jobs calling it that rqlite's workers run at once.
const TaskLimits = "rq:concurrency:tasks"

// LimitHolders is the HASH of the running jobs that hold a task's slot:
// started-registry member (ID, or ID:EXECUTION), the task's name.
const LimitHolders = "rq:concurrency:holders"

// QueueSlots is the ZSET of the running jobs of queue q that hold one of
// its limit's slots, by started-registry member, scored by the time their
// heartbeat expires.
func QueueSlots(q string) string { return "rq:concurrency:queue:" + q }

// TaskSlots is the ZSET of the running jobs of task name that hold one of
// its limit's slots, as QueueSlots.
func TaskSlots(name string) string { return "rq:concurrency:task:" + name }
