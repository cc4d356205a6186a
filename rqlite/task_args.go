package rqlite

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
)

// Binding a job's arguments to its task's parameters, as a Python call
// binds them, and converting the decoded values to the parameters' types.

// bind matches positional and keyword arguments to the task's parameters as
// Python does, and converts each to its parameter's type. It returns the
// values to call the function with, context excluded.
func (t *Task) bind(args []any, kwargs map[string]any) ([]reflect.Value, error) {
	if t.external {
		return nil, nil
	}
	fixed := t.fixedParams()
	if len(args) > fixed && !t.variadic {
		return nil, t.positionalCountError(len(args))
	}
	vals := make([]reflect.Value, fixed, len(t.params)+1)
	for i := 0; i < fixed && i < len(args); i++ {
		var err error
		if vals[i], err = t.convertArg(i, args[i], t.params[i]); err != nil {
			return nil, err
		}
	}
	rest, err := t.bindKeywords(vals, len(args), kwargs)
	if err != nil {
		return nil, err
	}
	if err := t.checkMissing(vals, len(args)); err != nil {
		return nil, err
	}
	if t.variadic {
		elem := t.params[fixed].Elem()
		for i := fixed; i < len(args); i++ {
			v, err := t.convertArg(i, args[i], elem)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
	}
	if t.kwargs {
		vals = append(vals, reflect.ValueOf(rest))
	}
	return vals, nil
}

// fixedParams is the number of parameters that take one argument each:
// all but a variadic one (and the context and Kwargs, which params leaves
// out).
func (t *Task) fixedParams() int {
	if t.variadic {
		return len(t.params) - 1
	}
	return len(t.params)
}

// convertArg converts positional argument i to type typ.
func (t *Task) convertArg(i int, arg any, typ reflect.Type) (reflect.Value, error) {
	v, err := convert(arg, typ)
	if err != nil {
		return v, fmt.Errorf("%s(): argument %d: %w", t.Name, i+1, err)
	}
	return v, nil
}

// bindKeywords converts the keyword arguments of named parameters into
// vals, in the order of their names, and returns the others for a Kwargs
// parameter (empty, not nil, if the task has one). nargs is the number of
// positional arguments, which a keyword argument may not name again.
func (t *Task) bindKeywords(vals []reflect.Value, nargs int, kwargs map[string]any) (Kwargs, error) {
	var rest Kwargs
	if t.kwargs {
		rest = Kwargs{}
	}
	for _, k := range sortedKeys(kwargs) {
		i := slices.Index(t.names, k)
		switch {
		case i >= 0 && i < len(vals):
			if i < nargs {
				return nil, fmt.Errorf("%s() got multiple values for argument '%s'", t.Name, k)
			}
			v, err := convert(kwargs[k], t.params[i])
			if err != nil {
				return nil, fmt.Errorf("%s(): argument '%s': %w", t.Name, k, err)
			}
			vals[i] = v
		case t.kwargs:
			rest[k] = kwargs[k]
		default:
			return nil, fmt.Errorf("%s() got an unexpected keyword argument '%s'", t.Name, k)
		}
	}
	return rest, nil
}

// checkMissing reports the first parameter that no argument took.
func (t *Task) checkMissing(vals []reflect.Value, nargs int) error {
	for i, v := range vals {
		switch {
		case v.IsValid():
		case i < len(t.names):
			return fmt.Errorf("%s() missing required argument '%s'", t.Name, t.names[i])
		default:
			return t.positionalCountError(nargs)
		}
	}
	return nil
}

// positionalCountError says, as Python does, that a call gave the wrong
// number of positional arguments.
func (t *Task) positionalCountError(nargs int) error {
	fixed := t.fixedParams()
	return fmt.Errorf("%s() takes %d positional argument%s but %d were given", t.Name, fixed, plural(fixed), nargs)
}

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

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil // without the iterator's allocations, for most calls
	}
	return slices.Sorted(maps.Keys(m))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
