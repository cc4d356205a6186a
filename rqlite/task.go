package rqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Kwargs holds keyword arguments, the Go form of Python's **kwargs. Passed
// as the last argument of Queue.Enqueue, it binds values to parameters by
// the names given to Register; a task whose last parameter is a Kwargs
// receives the keyword arguments that no other parameter takes.
type Kwargs map[string]any

// External names a function that this program does not have, typically a
// Python function run by Python RQ workers sharing the queue:
// q.Enqueue(ctx, rqlite.External("informes.generar"), 2026). Its name and
// arguments are not checked, since only the worker that runs it knows
// them; a plain string that is not a registered task's name is refused, so
// that a misspelt name is caught at once.
type External string

// A Task is a Go function registered under a stable name, so that a worker
// in another process, or Python RQ, can find it from the name stored in the
// job. Go cannot serialize a function the way Python imports one by its
// dotted path; registering is the Go counterpart of "the function must live
// in an importable module".
type Task struct {
	// Name is the name stored in the job, such as "tareas.tarea_pesada_y_falible".
	Name string

	fn       reflect.Value
	goName   string         // the Go function's own name, for messages
	withCtx  bool           // the first parameter is a context.Context
	params   []reflect.Type // the parameters after the context and before a Kwargs
	names    []string       // the names of params, for keyword arguments
	kwargs   bool           // the last parameter is a Kwargs
	variadic bool           // the last of params is variadic
	result   bool           // the function returns a value before any error
	err      bool           // the last result is an error
	external bool           // an External function: no Go function to check or call
}

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
	kwargsType  = reflect.TypeFor[Kwargs]()
)

// A TaskRegistry maps task names to Go functions. Most programs use the default
// one through the package-level Register; a TaskRegistry of its own is useful in
// tests and in programs that keep separate sets of tasks.
type TaskRegistry struct {
	mu     sync.RWMutex
	byName map[string]*Task
	byFunc map[uintptr]*Task

	handlers   map[string]ExceptionHandler // by name, for rq worker --exception-handler
	middleware []Middleware                // around each task call (see Use)
}

// NewTaskRegistry returns an empty TaskRegistry.
func NewTaskRegistry() *TaskRegistry {
	return &TaskRegistry{byName: map[string]*Task{}, byFunc: map[uintptr]*Task{}}
}

// DefaultTasks is the TaskRegistry used by Register and by queues and workers
// that are given no other.
var DefaultTasks = NewTaskRegistry()

// Register registers fn under name in the DefaultTasks. It panics if the
// registration is invalid, since a bad registration is a programming
// mistake found at start-up, as with regexp.MustCompile. See
// TaskRegistry.Register for the rules.
func Register(name string, fn any, params ...string) {
	if err := DefaultTasks.Register(name, fn, params...); err != nil {
		panic(err)
	}
}

// Register registers fn under name. fn must be a function; its parameters
// may start with a context.Context (cancelled when the job times out or the
// worker stops) and may end with a Kwargs; it returns nothing, a value, an
// error, or a value and an error. params optionally names the other
// parameters, in order, so that jobs can pass them as keyword arguments, as
// Python callers do.
func (r *TaskRegistry) Register(name string, fn any, params ...string) error {
	t, err := newTask(name, fn, params)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[name]; dup {
		return fmt.Errorf("rqlite: task %q is already registered", name)
	}
	r.byName[name] = t
	if _, dup := r.byFunc[t.fn.Pointer()]; !dup {
		r.byFunc[t.fn.Pointer()] = t
	}
	return nil
}

// newTask checks fn and the names of its parameters as Register does, and
// returns the task that calls it under name.
func newTask(name string, fn any, params []string) (*Task, error) {
	if name == "" || strings.ContainsFunc(name, isSpaceOrControl) {
		return nil, badOption("task name", name, "")
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("rqlite: task %q: %T is not a function", name, fn)
	}
	t := &Task{Name: name, fn: v, goName: funcName(v)}
	if err := t.readParams(); err != nil {
		return nil, err
	}
	if err := t.readResults(); err != nil {
		return nil, err
	}
	if len(params) > 0 {
		if len(params) != len(t.params) {
			return nil, fmt.Errorf("rqlite: task %q: %d parameter names given for %d parameters", name, len(params), len(t.params))
		}
		t.names = params
	}
	return t, nil
}

// readParams reads the parameters of the task's function: a context first,
// a Kwargs last, and the others between.
func (t *Task) readParams() error {
	ft := t.fn.Type()
	in := make([]reflect.Type, ft.NumIn())
	for i := range in {
		in[i] = ft.In(i)
	}
	if len(in) > 0 && in[0] == contextType {
		t.withCtx = true
		in = in[1:]
	}
	t.variadic = ft.IsVariadic()
	if n := len(in); n > 0 && in[n-1] == kwargsType && !t.variadic {
		t.kwargs = true
		in = in[:n-1]
	}
	if slices.Contains(in, contextType) {
		return fmt.Errorf("rqlite: task %q: a context.Context must be the first parameter", t.Name)
	}
	t.params = in
	return nil
}

// readResults reads the results of the task's function: nothing, a value,
// an error, or a value and an error.
func (t *Task) readResults() error {
	ft := t.fn.Type()
	switch ft.NumOut() {
	case 0:
	case 1:
		t.err = ft.Out(0) == errorType
		t.result = !t.err
	case 2:
		if ft.Out(1) != errorType {
			return fmt.Errorf("rqlite: task %q: the second result of %s must be an error", t.Name, t.goName)
		}
		t.result, t.err = true, true
	default:
		return fmt.Errorf("rqlite: task %q: %s returns more than a value and an error", t.Name, t.goName)
	}
	return nil
}

// Lookup returns the task registered under name.
func (r *TaskRegistry) Lookup(name string) (*Task, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.byName[name]
	return t, ok
}

// Names returns the registered task names, sorted.
func (r *TaskRegistry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// resolve finds the task for f: a registered function value or a task name.
func (r *TaskRegistry) resolve(f any) (*Task, error) {
	switch f := f.(type) {
	case string:
		if t, ok := r.Lookup(f); ok {
			return t, nil
		}
		return nil, &UnknownTaskError{Name: string(f)}
	case *Task:
		return f, nil
	case External:
		if f == "" || strings.ContainsFunc(string(f), isSpaceOrControl) {
			return nil, badOption("function name", string(f), "")
		}
		return &Task{Name: string(f), external: true}, nil
	case nil:
		return nil, errors.New("rqlite: no function given")
	}
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func {
		return nil, fmt.Errorf("rqlite: cannot enqueue %T: want a registered function or its name", f)
	}
	r.mu.RLock()
	t, ok := r.byFunc[v.Pointer()]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("rqlite: function %s is not registered: call rqlite.Register with a name for it first", funcName(v))
	}
	return t, nil
}

// call runs the task with bound arguments. A panic in the task is returned
// as a *PanicError carrying the stack.
func (t *Task) call(ctx context.Context, in []reflect.Value) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	if t.withCtx {
		in = append([]reflect.Value{reflect.ValueOf(ctx)}, in...)
	}
	out := t.fn.Call(in)
	if t.err {
		if e := out[len(out)-1]; !e.IsNil() {
			err = e.Interface().(error)
		}
	}
	if t.result {
		result = out[0].Interface()
	}
	return result, err
}

// A PanicError is the error of a task that panicked.
type PanicError struct {
	Value any    // what the task panicked with
	Stack []byte // the goroutine's stack at the panic
}

func newPanicError(v any) *PanicError {
	buf := make([]byte, 64<<10)
	return &PanicError{Value: v, Stack: buf[:runtime.Stack(buf, false)]}
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func funcName(v reflect.Value) string {
	if f := runtime.FuncForPC(v.Pointer()); f != nil {
		return f.Name()
	}
	return v.Type().String()
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

var jobType = reflect.TypeFor[*Job]()

// checkCallback reports whether the task can be a job callback: for
// on_success a func([ctx,] *Job, any) [error], for on_failure and
// on_stopped a func([ctx,] *Job, error) [error].
func (t *Task) checkCallback(option string) error {
	if t.external {
		return nil // a Python callback, run by a Python worker
	}
	second := reflect.TypeFor[any]()
	if option != "on_success" {
		second = errorType
	}
	if len(t.params) != 2 || t.variadic || t.kwargs || t.params[0] != jobType || t.params[1] != second || t.result {
		return fmt.Errorf("rqlite: %s: task %q (%s) must be a func([context.Context,] *rqlite.Job, %s) [error]", option, t.Name, t.goName, map[bool]string{true: "error", false: "any"}[option != "on_success"])
	}
	return nil
}

// callback calls the task as the job's option callback (on_success,
// on_failure or on_stopped), with the job and its result (on success) or
// its error. A job may name any task (a Python producer checks nothing), so
// the signature is checked here too: a task that cannot be that callback
// is an error, not a panic.
func (t *Task) callback(ctx context.Context, option string, job *Job, result any, jobErr error) error {
	if t.external {
		return fmt.Errorf("rqlite: %s: task %q is an External (Python) function: a Go worker cannot run it", option, t.Name)
	}
	if err := t.checkCallback(option); err != nil {
		return err
	}
	second := reflect.ValueOf(&result).Elem()
	if t.params[1] == errorType {
		second = reflect.ValueOf(&jobErr).Elem()
	}
	_, err := t.call(ctx, []reflect.Value{reflect.ValueOf(job), second})
	return err
}
