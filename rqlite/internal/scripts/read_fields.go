package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// ReadFieldsArgs are the arguments of read_fields.lua.
type ReadFieldsArgs struct {
	Hashes       []string `lua:"KEYS[1..]"`
	MostFields   int64    `lua:"ARGV[1]"`   // the most fields of a hash read whole
	LongestValue int64    `lua:"ARGV[2]"`   // the longest value read, in bytes
	MostBytes    int64    `lua:"ARGV[3]"`   // the most bytes of values read in all
	LongestName  int64    `lua:"ARGV[4]"`   // the longest field name returned whole
	Fields       []string `lua:"ARGV[5..]"` // the fields to read; none: all
}

// ReadFieldsReply is what read_fields.lua answers: a HashRead for each
// hash, in order.
type ReadFieldsReply struct {
	Hashes []HashRead
}

// A HashRead is what was read of one hash.
type HashRead struct {
	Exists    bool
	WrongType bool  // the key holds another type
	TooMany   int64 // with no field named, its field count when over MostFields; 0 otherwise
	// Values are the fields read, and Unread the length of each value left
	// in Redis (a field whose name is longer than LongestName is there, cut).
	// A named field that the hash lacks is in neither.
	Values map[string]string
	Unread map[string]int64
}

var readFieldsScript = newScript[ReadFieldsArgs]("read_fields.lua")

// RunReadFields reads hashes within bounds (see read_fields.lua).
func RunReadFields(ctx context.Context, rdb redis.Scripter, a ReadFieldsArgs) (ReadFieldsReply, error) {
	res, err := readFieldsScript.run(ctx, rdb, a)
	if err != nil {
		return ReadFieldsReply{}, err
	}
	items, ok := res.([]any)
	if !ok || len(items) != len(a.Hashes) {
		return ReadFieldsReply{}, readFieldsScript.replyError(res)
	}
	r := ReadFieldsReply{Hashes: make([]HashRead, len(items))}
	for i, it := range items {
		if r.Hashes[i], ok = readHash(it); !ok {
			return ReadFieldsReply{}, readFieldsScript.replyError(res)
		}
	}
	return r, nil
}

// readHash reads the part of the reply about one hash.
func readHash(it any) (HashRead, bool) {
	switch v := it.(type) {
	case nil:
		return HashRead{}, true
	case string:
		return HashRead{Exists: true, WrongType: true}, v == "WRONGTYPE"
	case int64:
		return HashRead{Exists: true, TooMany: v}, true
	}
	pairs, ok := it.([]any)
	if !ok || len(pairs)%2 != 0 {
		return HashRead{}, false
	}
	h := HashRead{Exists: true, Values: map[string]string{}, Unread: map[string]int64{}}
	for i := 0; i < len(pairs); i += 2 {
		f, ok := pairs[i].(string)
		if !ok {
			return HashRead{}, false
		}
		switch v := pairs[i+1].(type) {
		case string:
			h.Values[f] = v
		case int64:
			h.Unread[f] = v
		case nil:
		default:
			return HashRead{}, false
		}
	}
	return h, true
}
