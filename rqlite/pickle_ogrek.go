package rqlite

import (
	"reflect"

	ogórek "github.com/kisielk/og-rek"
)

// ogrekValue turns v, a value as og-rek decodes it, as value turns
// gopickle's, for a caller that still decodes with og-rek (the dashboard's
// view of a job, job_view.go): og-rek reads a list that the pickle shares
// as empty after its first appearance, and no LONG4. Once no caller
// decodes with og-rek, this goes.
func (p *pickleReader) ogrekValue(v any) (any, error) {
	switch v := v.(type) {
	case ogórek.None:
		return nil, nil
	case int64:
		return v, nil
	case ogórek.ByteString:
		return string(v), nil
	case ogórek.Bytes:
		return []byte(v), nil
	case ogórek.Tuple:
		return nested(p, []any(v), p.list)
	case []any:
		return nested(p, v, p.list)
	case map[any]any:
		return p.shared(reflect.ValueOf(v).Pointer(), "dict", func() (any, error) { return nested(p, v, p.ogrekDict) })
	case ogórek.Call:
		return nil, unsupportedCall(v.Callable.Module, v.Callable.Name)
	case ogórek.Class:
		return nil, unsupportedClass(pyName(v.Module, v.Name))
	}
	return nil, pythonValueError(v)
}

// ogrekDict turns og-rek's dict into a dict with str keys.
func (p *pickleReader) ogrekDict(v map[any]any) (any, error) {
	out := make(map[string]any, len(v))
	for k, x := range v {
		ks, ok := k.(string)
		if !ok {
			return nil, unsupportedDictKey(pythonType(k))
		}
		g, err := p.value(x)
		if err != nil {
			return nil, err
		}
		out[ks] = g
	}
	return out, nil
}
