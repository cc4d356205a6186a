package rqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strconv"
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
	if name == "" || strings.ContainsFunc(name, isSpaceOrControl) {
		return badOption("task name", name, "")
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return fmt.Errorf("rqlite: task %q: %T is not a function", name, fn)
	}
	t := &Task{Name: name, fn: v, goName: funcName(v)}
	ft := v.Type()
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
	for _, p := range in {
		if p == contextType {
			return fmt.Errorf("rqlite: task %q: a context.Context must be the first parameter", name)
		}
	}
	t.params = in
	switch ft.NumOut() {
	case 0:
	case 1:
		t.err = ft.Out(0) == errorType
		t.result = !t.err
	case 2:
		if ft.Out(1) != errorType {
			return fmt.Errorf("rqlite: task %q: the second result of %s must be an error", name, t.goName)
		}
		t.result, t.err = true, true
	default:
		return fmt.Errorf("rqlite: task %q: %s returns more than a value and an error", name, t.goName)
	}
	if len(params) > 0 {
		if len(params) != len(in) {
			return fmt.Errorf("rqlite: task %q: %d parameter names given for %d parameters", name, len(params), len(in))
		}
		t.names = params
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[name]; dup {
		return fmt.Errorf("rqlite: task %q is already registered", name)
	}
	r.byName[name] = t
	if _, dup := r.byFunc[v.Pointer()]; !dup {
		r.byFunc[v.Pointer()] = t
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

// bind matches positional and keyword arguments to the task's parameters as
// Python does, and converts each to its parameter's type. It returns the
// values to call the function with, context excluded.
func (t *Task) bind(args []any, kwargs map[string]any) ([]reflect.Value, error) {
	if t.external {
		return nil, nil
	}
	fixed := len(t.params)
	if t.variadic {
		fixed--
	}
	if len(args) > fixed && !t.variadic {
		return nil, fmt.Errorf("%s() takes %d positional argument%s but %d were given", t.Name, fixed, plural(fixed), len(args))
	}
	vals := make([]reflect.Value, fixed, len(t.params)+1)
	for i := 0; i < fixed && i < len(args); i++ {
		v, err := convert(args[i], t.params[i])
		if err != nil {
			return nil, fmt.Errorf("%s(): argument %d: %w", t.Name, i+1, err)
		}
		vals[i] = v
	}
	var rest Kwargs
	for _, k := range sortedKeys(kwargs) {
		i := indexOf(t.names, k)
		switch {
		case i >= 0 && i < fixed:
			if i < len(args) {
				return nil, fmt.Errorf("%s() got multiple values for argument '%s'", t.Name, k)
			}
			v, err := convert(kwargs[k], t.params[i])
			if err != nil {
				return nil, fmt.Errorf("%s(): argument '%s': %w", t.Name, k, err)
			}
			vals[i] = v
		case t.kwargs:
			if rest == nil {
				rest = Kwargs{}
			}
			rest[k] = kwargs[k]
		default:
			return nil, fmt.Errorf("%s() got an unexpected keyword argument '%s'", t.Name, k)
		}
	}
	for i := range fixed {
		if !vals[i].IsValid() {
			if i < len(t.names) {
				return nil, fmt.Errorf("%s() missing required argument '%s'", t.Name, t.names[i])
			}
			return nil, fmt.Errorf("%s() takes %d positional argument%s but %d were given", t.Name, fixed, plural(fixed), len(args))
		}
	}
	if t.variadic {
		elem := t.params[fixed].Elem()
		for i := fixed; i < len(args); i++ {
			v, err := convert(args[i], elem)
			if err != nil {
				return nil, fmt.Errorf("%s(): argument %d: %w", t.Name, i+1, err)
			}
			vals = append(vals, v)
		}
	}
	if t.kwargs {
		if rest == nil {
			rest = Kwargs{}
		}
		vals = append(vals, reflect.ValueOf(rest))
	}
	return vals, nil
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

// convert turns a decoded argument into a value of type t: directly when it
// already fits, through JSON otherwise (so that maps become structs).
func convert(v any, t reflect.Type) (reflect.Value, error) {
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			return reflect.Zero(t), nil
		}
		//lint:ignore ST1005 None is the Python value, as the caller wrote it
		return reflect.Value{}, fmt.Errorf("None cannot be used as %s", t)
	}
	rv := reflect.ValueOf(v)
	if rv.Type().AssignableTo(t) {
		return rv, nil
	}
	if n, ok := v.(json.Number); ok {
		if out, ok := convertNumber(n, t); ok {
			return out, nil
		}
	} else if isNumberKind(rv.Kind()) && isNumberKind(t.Kind()) {
		if out, ok := convertNumber(json.Number(fmt.Sprint(v)), t); ok {
			return out, nil
		}
	}
	b, err := json.Marshal(v)
	if err == nil {
		p := reflect.New(t)
		if err = json.Unmarshal(b, p.Interface()); err == nil {
			return p.Elem(), nil
		}
	}
	return reflect.Value{}, fmt.Errorf("%s cannot be used as %s", pyRepr(v), t)
}

func isNumberKind(k reflect.Kind) bool {
	return reflect.Int <= k && k <= reflect.Float64
}

// convertNumber converts n to a numeric type t without losing precision.
func convertNumber(n json.Number, t reflect.Type) (reflect.Value, bool) {
	out := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || out.OverflowInt(i) {
			return out, false
		}
		out.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil || out.OverflowUint(u) {
			return out, false
		}
		out.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || out.OverflowFloat(f) {
			return out, false
		}
		out.SetFloat(f)
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return out, false
		}
		if i, err := n.Int64(); err == nil {
			out.Set(reflect.ValueOf(i))
		} else if f, err := n.Float64(); err == nil {
			out.Set(reflect.ValueOf(f))
		} else {
			return out, false
		}
	default:
		return out, false
	}
	return out, true
}

func funcName(v reflect.Value) string {
	if f := runtime.FuncForPC(v.Pointer()); f != nil {
		return f.Name()
	}
	return v.Type().String()
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

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
