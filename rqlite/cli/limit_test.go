package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// rqOut runs rq with args and returns its exit status, stdout and stderr.
func rqOut(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	s := run(args, &out, &errOut)
	return s, out.String(), errOut.String()
}

// TestLimitCommands sets, lists and removes limits with rq limit, and
// lists a hostile value left in Redis without failing.
func TestLimitCommands(t *testing.T) {
	url := rqtest.URL(t)
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"limit", "list"}, "No concurrency limits.\n"},
		{[]string{"limit", "set", "--queue", "lenta", "2"}, "At most 2 jobs of queue lenta will run at once.\n"},
		{[]string{"limit", "set", "--task", "tareas.sumar", "5"}, "At most 5 jobs of task tareas.sumar will run at once.\n"},
		{[]string{"limit", "show"}, "queue lenta: 0 of 2 running\ntask tareas.sumar: 0 of 5 running\n"},
		{[]string{"limit", "remove", "--task", "tareas.sumar"}, "Removed the concurrency limit of task tareas.sumar.\n"},
		{[]string{"limit", "remove", "--task", "tareas.sumar"}, "task tareas.sumar had no concurrency limit.\n"},
	}
	for _, s := range steps {
		status, out, errOut := rqOut(append([]string{"-u", url}, s.args...)...)
		if status != 0 || out != s.want || errOut != "" {
			t.Errorf("rq %s: status %d, stdout %q, stderr %q; want 0, %q", strings.Join(s.args, " "), status, out, errOut, s.want)
		}
	}
	ctx := context.Background()
	rdb.HSet(ctx, keys.TaskLimits, "mala\x1b[31m", "muchos")
	rdb.ZAdd(ctx, keys.QueueSlots("lenta"), redis.Z{Score: 1e12, Member: "job-1"})
	want := "queue lenta: 1 of 2 running\n" +
		`task "mala\x1b[31m": "muchos" is not a whole number from 1 to 999999999999999, ignored; 0 running` + "\n"
	if status, out, _ := rqOut("-u", url, "limit", "list"); status != 0 || out != want {
		t.Errorf("rq limit list: status %d, %q; want %q", status, out, want)
	}
}

// TestLimitCommandErrors checks the one-line errors of bad arguments.
func TestLimitCommandErrors(t *testing.T) {
	url := rqtest.URL(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"limit", "set", "--queue", "q", "0"}, `Error: invalid limit "0": it must be a whole number from 1 to 999999999999999` + "\n"},
		{[]string{"limit", "set", "--queue", "q", "--", "-2"}, `Error: invalid limit "-2": it must be a whole number from 1 to 999999999999999` + "\n"},
		{[]string{"limit", "set", "--queue", "q", "dos"}, `Error: invalid limit "dos": it must be a whole number from 1 to 999999999999999` + "\n"},
		{[]string{"limit", "set", "--task", "t", "99999999999999999999"}, `Error: invalid limit "99999999999999999999": it must be a whole number from 1 to 999999999999999` + "\n"},
		{[]string{"limit", "set", "3"}, "Error: give --queue NAME or --task NAME, one of them\n"},
		{[]string{"limit", "set", "--queue", "q", "--task", "t", "3"}, "Error: give --queue NAME or --task NAME, one of them\n"},
		{[]string{"limit", "remove", "--queue", ""}, `Error: invalid --queue "": give the queue's name` + "\n"},
	}
	for _, c := range cases {
		status, out, errOut := rqOut(append([]string{"-u", url}, c.args...)...)
		if status != 1 || out != "" || errOut != c.want {
			t.Errorf("rq %s: status %d, stdout %q, stderr %q; want 1 and %q", strings.Join(c.args, " "), status, out, errOut, c.want)
		}
	}
}
