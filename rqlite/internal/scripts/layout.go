package scripts

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// The layout of a script's arguments is declared by the struct tags of its
// arguments type, one per field, in the order the script reads them:
//
//	Job    string   `lua:"KEYS[1]"`        // one key, KEYS[1]
//	Queues []string `lua:"KEYS[3..]"`      // a list, from KEYS[3] on
//	IDs    []string `lua:"ARGV[8..7+n]"`   // a list of n items
//	TTL    int64    `lua:"ARGV[7],emptyzero"`
//
// The brackets hold what the script's header writes for the argument. The
// fields are sent in their order: those with a single index come first,
// numbered from 1, then the lists. Options, after a comma:
//
//	omitempty  an empty string is not sent, nor is any later field of the
//	           same KEYS or ARGV, which must then be empty too
//	emptyzero  a zero number is sent as '' (the script's "none")
//
// A KEYS field is a string or a []string. An ARGV field is a string,
// []byte, bool (sent as '1' or '0'), int, int64, []string or []any.

// slot is the declared place of one field of the arguments.
type slot struct {
	field     int    // the field's index in its struct
	name      string // the field's Go name
	kind      string // KEYS or ARGV
	spec      string // what the brackets hold, spaces removed: "1", "3..", "7..6+n"
	position  int    // the single index, 0 for a list
	omitEmpty bool
	emptyZero bool
}

var tagPattern = regexp.MustCompile(`^(KEYS|ARGV)\[([^\]]+)\]((?:,\w+)*)$`)

// parseSlots reads the layout that the tags of struct type t declare.
func parseSlots(t reflect.Type) ([]slot, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("arguments of kind %s, not a struct", t.Kind())
	}
	slots := make([]slot, 0, t.NumField())
	singles := map[string]int{} // how many single-index fields of KEYS and ARGV
	lists := map[string]bool{}  // whether a list of KEYS or ARGV came already
	for i := range t.NumField() {
		f := t.Field(i)
		s, err := parseSlot(f)
		switch {
		case err != nil:
		case s.position != 0 && lists[s.kind]:
			err = fmt.Errorf("%s[%d] comes after a list", s.kind, s.position)
		case s.position != 0 && s.position != singles[s.kind]+1:
			err = fmt.Errorf("%s[%d] comes where %s[%d] is sent", s.kind, s.position, s.kind, singles[s.kind]+1)
		}
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		if s.position != 0 {
			singles[s.kind]++
		} else {
			lists[s.kind] = true
		}
		s.field = i
		slots = append(slots, s)
	}
	return slots, nil
}

func parseSlot(f reflect.StructField) (slot, error) {
	m := tagPattern.FindStringSubmatch(f.Tag.Get("lua"))
	if m == nil {
		return slot{}, fmt.Errorf("tag %q is not lua:\"KEYS[...]\" or lua:\"ARGV[...]\"", f.Tag.Get("lua"))
	}
	s := slot{name: f.Name, kind: m[1], spec: strings.ReplaceAll(m[2], " ", "")}
	if n, err := strconv.Atoi(s.spec); err == nil {
		s.position = n
	}
	for _, opt := range strings.Split(m[3], ",")[1:] {
		switch opt {
		case "omitempty":
			s.omitEmpty = true
		case "emptyzero":
			s.emptyZero = true
		default:
			return slot{}, fmt.Errorf("unknown option %q", opt)
		}
	}
	if !fits(s, f.Type) {
		return slot{}, fmt.Errorf("type %s cannot be sent as %s[%s]", f.Type, s.kind, s.spec)
	}
	return s, nil
}

// fits tells whether a field of type t can fill slot s.
func fits(s slot, t reflect.Type) bool {
	list := t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8
	if list != (s.position == 0) || s.omitEmpty && t.Kind() != reflect.String {
		return false
	}
	if s.emptyZero && t.Kind() != reflect.Int && t.Kind() != reflect.Int64 {
		return false
	}
	if s.kind == "KEYS" {
		return t.Kind() == reflect.String || t == reflect.TypeFor[[]string]()
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Uint64:
		return true
	}
	return t == reflect.TypeFor[[]byte]() || t == reflect.TypeFor[[]string]() || t == reflect.TypeFor[[]any]()
}

// sending collects the KEYS or the ARGV of one call.
type sending struct {
	keys    bool     // KEYS, into strs; else ARGV, into items
	strs    []string // the KEYS
	items   []any    // the ARGV
	omitted string   // the field left out by omitempty, if any
}

// marshal returns the KEYS and ARGV that the struct value v sends.
func marshal(slots []slot, v reflect.Value) ([]string, []any, error) {
	nk, na := 0, 0
	for _, s := range slots {
		n := 1
		if s.position == 0 {
			n = v.Field(s.field).Len()
		}
		if s.kind == "KEYS" {
			nk += n
		} else {
			na += n
		}
	}
	return marshalInto(slots, v, make([]string, 0, nk), make([]any, 0, na))
}

// marshalInto is marshal appending the KEYS and ARGV to keys and argv.
func marshalInto(slots []slot, v reflect.Value, k []string, a []any) ([]string, []any, error) {
	keys := sending{keys: true, strs: k}
	argv := sending{items: a}
	for _, s := range slots {
		to := &argv
		if s.kind == "KEYS" {
			to = &keys
		}
		if err := to.add(s, v.Field(s.field)); err != nil {
			return nil, nil, err
		}
	}
	return keys.strs, argv.items, nil
}

// add appends the value f of slot s.
func (to *sending) add(s slot, f reflect.Value) error {
	empty := f.IsZero() || f.Kind() == reflect.Slice && f.Len() == 0
	switch {
	case to.omitted != "" && !empty:
		return fmt.Errorf("%s given without %s", s.name, to.omitted)
	case to.omitted != "":
		return nil
	case s.omitEmpty && empty:
		to.omitted = s.name
		return nil
	case to.keys && s.position == 0:
		to.strs = append(to.strs, f.Interface().([]string)...)
	case to.keys:
		to.strs = append(to.strs, f.String())
	case s.position == 0:
		for i := range f.Len() {
			to.items = append(to.items, f.Index(i).Interface())
		}
	default:
		to.items = append(to.items, value(s, f))
	}
	return nil
}

// value is what a single-index field sends.
func value(s slot, f reflect.Value) any {
	switch f.Kind() {
	case reflect.Bool:
		if f.Bool() {
			return "1"
		}
		return "0"
	case reflect.Int, reflect.Int64:
		if s.emptyZero && f.Int() == 0 {
			return ""
		}
		return f.Int()
	case reflect.Uint64:
		return f.Uint()
	}
	return f.Interface()
}
