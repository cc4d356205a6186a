package scripts

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type sampleArgs struct {
	Job       string   `lua:"KEYS[1]"`
	Suspended string   `lua:"KEYS[2],omitempty"`
	Queues    []string `lua:"KEYS[3..]"`
	ID        string   `lua:"ARGV[1]"`
	Flag      bool     `lua:"ARGV[2]"`
	TTL       int64    `lua:"ARGV[3],emptyzero"`
	Count     int      `lua:"ARGV[4]"`
	Blob      []byte   `lua:"ARGV[5]"`
	Rest      []any    `lua:"ARGV[6..]"`
}

func sample(t *testing.T, a sampleArgs) ([]string, []any, error) {
	t.Helper()
	slots, err := parseSlots(reflect.TypeFor[sampleArgs]())
	if err != nil {
		t.Fatal(err)
	}
	return marshal(slots, reflect.ValueOf(a))
}

func TestMarshalSendsFieldsInOrder(t *testing.T) {
	keys, argv, err := sample(t, sampleArgs{Job: "j", Suspended: "s", Queues: []string{"a", "b"},
		ID: "id", Flag: true, TTL: 0, Count: 7, Blob: []byte("x"), Rest: []any{"f", 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys, " "); got != "j s a b" {
		t.Errorf("KEYS %q, want j s a b", got)
	}
	if got := fmt.Sprintf("%#v", argv); got != `[]interface {}{"id", "1", "", 7, []uint8{0x78}, "f", 1}` {
		t.Errorf("ARGV %s", got)
	}
	_, argv, err = sample(t, sampleArgs{Suspended: "s", TTL: 30})
	if err != nil || argv[1] != "0" || argv[2] != int64(30) {
		t.Errorf("ARGV %#v, %v; want a false flag as \"0\" and the TTL as 30", argv, err)
	}
}

func TestMarshalOmitEmpty(t *testing.T) {
	keys, _, err := sample(t, sampleArgs{Job: "j"})
	if err != nil || len(keys) != 1 {
		t.Errorf("KEYS %q, %v; want only j", keys, err)
	}
	_, _, err = sample(t, sampleArgs{Job: "j", Queues: []string{"a"}})
	if err == nil || !strings.Contains(err.Error(), "Queues given without Suspended") {
		t.Errorf("Queues without the omitted Suspended: error %v", err)
	}
}

func TestParseSlotsRejectsBadTags(t *testing.T) {
	cases := []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[struct {
			A string
		}](), "is not lua"},
		{reflect.TypeFor[struct {
			A int `lua:"KEYS[1]"`
		}](), "cannot be sent as KEYS[1]"},
		{reflect.TypeFor[struct {
			A []string `lua:"ARGV[1]"`
		}](), "cannot be sent as ARGV[1]"},
		{reflect.TypeFor[struct {
			A string `lua:"ARGV[1..]"`
		}](), "cannot be sent as ARGV[1..]"},
		{reflect.TypeFor[struct {
			A string `lua:"ARGV[1],emptyzero"`
		}](), "cannot be sent"},
		{reflect.TypeFor[struct {
			A string `lua:"ARGV[1],often"`
		}](), `unknown option "often"`},
		{reflect.TypeFor[struct {
			A []string `lua:"KEYS[1..]"`
			B string   `lua:"KEYS[2]"`
		}](), "KEYS[2] comes after a list"},
		{reflect.TypeFor[struct {
			A string `lua:"ARGV[1]"`
			B string `lua:"ARGV[3]"`
		}](), "ARGV[3] comes where ARGV[2] is sent"},
		{reflect.TypeFor[int](), "not a struct"},
	}
	for _, c := range cases {
		if _, err := parseSlots(c.typ); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.typ, err, c.want)
		}
	}
}
