package rqlite

import (
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"
)

// TestPickleArgWalksPythonPickles: the opcode walk of scanPickle steps
// over every opcode that Python's pickle writes, protocols 0 to 5, and
// lands on the final STOP.
func TestPickleArgWalksPythonPickles(t *testing.T) {
	out, err := exec.Command("/usr/bin/python3", "-c", `
import base64, pickle, collections, datetime
v = ("test.sum", None, [1, -1, 300, 70000, 2**70, -2**2000, 1.5, "ñ", "x"*300, b"b", b"y"*300,
     bytearray(b"z"), (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), True, False, None,
     {"a": [{}]}, {1, 2}, frozenset([3]), collections.OrderedDict(a=1), datetime.date(2026, 1, 2)], {"k": "v"})
for p in range(6):
    print(base64.b64encode(pickle.dumps(v, protocol=p)).decode())
`).Output()
	if err != nil {
		t.Skipf("no Python 3: %v", err)
	}
	for p, line := range strings.Fields(string(out)) {
		data, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for i < len(data) && data[i] != '.' {
			n, ok := pickleArg(data[i+1:], data[i])
			if !ok {
				t.Fatalf("protocol %d: opcode %#x at %d not walked", p, data[i], i)
			}
			i += 1 + n
		}
		if i != len(data)-1 {
			t.Errorf("protocol %d: the walk stops at %d of %d bytes", p, i, len(data))
		}
		if err := scanPickle(data, 1000); err != nil {
			t.Errorf("protocol %d: %v", p, err)
		}
	}
}
