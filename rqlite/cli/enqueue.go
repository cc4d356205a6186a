package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// enqueueOptions are the flags of rq enqueue.
type enqueueOptions struct {
	queue       string
	timeout     string
	resultTTL   string
	ttl         string
	failureTTL  string
	description string
	dependsOn   []string
	jobID       string
	atFront     bool
	quiet       bool
	retryMax    int
	retryEvery  []int
	scheduleIn  string
	scheduleAt  string
	external    bool
	unique      bool
}

// enqueueLong is the help of rq enqueue.
const enqueueLong = `Enqueue a call of FUNCTION, the name of a registered task, with ARGUMENTS,
and print the job's ID. Nothing runs it until a worker takes it.

Each argument is written as in RQ's rq enqueue:

  value        a positional argument, the string value
  key=value    a keyword argument, the string value
  :json        a positional argument, the JSON value
  key:=json    a keyword argument, the JSON value
  @file        a positional argument, the text of file
  key=@file    a keyword argument, the text of file
  :@file       a positional argument, the JSON value in file
  key:=@file   a keyword argument, the JSON value in file
  %literal     a positional argument, the Python literal
  key%=literal a keyword argument, the Python literal
  %@file       a positional argument, the Python literal in file
  key%=@file   a keyword argument, the Python literal in file

A plain value is always a string, and the types of the task's parameters
are checked: pass numbers, booleans, null, lists and objects as JSON, or as
Python literals. A Python literal is read as RQ's ast.literal_eval reads it,
without running anything: None, True, False, ints (1_000, 0xff, beyond
int64 too), floats, strings ('a', "b", '''c''', r'\d', with escapes), lists,
tuples (pickled as tuples, sent by JSON as lists, as Python's json does) and
dicts with str keys. Bytes,
sets, complex numbers and dicts with other keys are refused, as neither
JSON nor a Go task can take them.

Durations are whole seconds or digits with a unit d, h, m or s (1h, 30m).
--result-ttl 0 discards a successful job at once, and -1 keeps it forever;
--timeout -1 and --failure-ttl -1 mean no limit.

--unique, with --job-id, enqueues the job only if no job has that ID yet
(RQ 2.8's unique=True); otherwise it fails, naming the ID, and changes
nothing.

Examples:
  rq enqueue tareas.tarea_pesada_y_falible :3
  rq enqueue tareas.sumar %2 b%=0x10
  rq enqueue -q low --timeout 10m tareas.count_words_at_url https://example.com
  rq enqueue tareas.count_words_at_url url=@url.txt --job-id words-1`

// newEnqueueCommand returns `rq enqueue`, RQ 1.13's rq enqueue.
func newEnqueueCommand(g *globalOptions) *cobra.Command {
	o := &enqueueOptions{}
	cmd := &cobra.Command{
		Use:   "enqueue FUNCTION [ARGUMENTS...]",
		Short: "Enqueue a job from the command line",
		Long:  enqueueLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEnqueue(cmd, g, o, args[0], args[1:])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.queue, "queue", "q", rqlite.DefaultQueue, "the name of the queue")
	f.StringVar(&o.timeout, "timeout", "", "the longest the job may run before it is interrupted and marked failed")
	f.StringVar(&o.resultTTL, "result-ttl", "", "how long a successful job and its result are kept")
	f.StringVar(&o.ttl, "ttl", "", "the longest the job may wait in the queue before it is discarded")
	f.StringVar(&o.failureTTL, "failure-ttl", "", "how long a failed job is kept")
	f.StringVar(&o.description, "description", "", "the job's description, instead of the call")
	f.StringArrayVar(&o.dependsOn, "depends-on", nil, "the ID of a job that must finish before this one is queued (repeatable)")
	f.StringVar(&o.jobID, "job-id", "", "the job's ID, instead of a random UUID")
	f.BoolVar(&o.atFront, "at-front", false, "put the job at the front of the queue, instead of the end")
	f.BoolVar(&o.quiet, "quiet", false, "print nothing but errors")
	f.IntVar(&o.retryMax, "retry-max", 0, "run the job again, up to this many times, if it fails")
	f.IntSliceVar(&o.retryEvery, "retry-interval", nil, "seconds to wait before a retry (repeatable); as in RQ, they count from the end: the last retry waits the last one, and with fewer intervals than retries the first one is repeated")
	f.StringVar(&o.scheduleIn, "schedule-in", "", "schedule the job after this long (such as 30s, 10m, 1h) instead of queueing it now")
	f.BoolVar(&o.external, "external", false, "FUNCTION is not a task of this program (a Python function, say): enqueue it by name, unchecked")
	f.StringVar(&o.scheduleAt, "schedule-at", "", "schedule the job at this local time (2006-01-02T15:04:05) instead of queueing it now")
	f.BoolVar(&o.unique, "unique", false, "fail, changing nothing, if a job with the --job-id exists (RQ 2.8's unique=True)")
	return cmd
}

func runEnqueue(cmd *cobra.Command, g *globalOptions, o *enqueueOptions, function string, arguments []string) error {
	opts := &rqlite.EnqueueOptions{
		Description: o.description,
		DependsOn:   o.dependsOn,
		JobID:       o.jobID,
		AtFront:     o.atFront,
		Unique:      o.unique,
	}
	var err error
	if opts.Args, opts.Kwargs, err = parseArgs(arguments); err != nil {
		return err
	}
	flags := cmd.Flags()
	if err := o.schedule(flags, opts); err != nil {
		return err
	}
	for _, d := range []struct {
		flag string
		dst  *time.Duration
		kind durationKind
	}{
		{"timeout", &opts.JobTimeout, jobTimeout},
		{"result-ttl", &opts.ResultTTL, resultTTL},
		{"ttl", &opts.TTL, queuedTTL},
		{"failure-ttl", &opts.FailureTTL, failureTTL},
	} {
		if flags.Changed(d.flag) {
			v, _ := flags.GetString(d.flag)
			if *d.dst, err = parseDurationFlag(d.flag, v, d.kind); err != nil {
				return err
			}
		}
	}

	s, err := g.open()
	if err != nil {
		return err
	}
	defer s.close()
	ctx := cmd.Context()
	q, err := s.queue(ctx, o.queue)
	if err != nil {
		return err
	}
	var f any = function
	if o.external {
		f = rqlite.External(function)
	}
	job, err := q.EnqueueCall(ctx, f, opts)
	if err != nil {
		return err
	}
	if !o.quiet {
		// RQ prints the call; the job's description is that call unless
		// --description replaced it.
		fmt.Fprintf(cmd.OutOrStdout(), "Enqueued %s with job-id '%s'.\n", job.Description, job.ID)
	}
	return nil
}

// durationKind says which special values a duration flag takes, as RQ's
// Queue.create_job and the worker read them.
type durationKind int

const (
	jobTimeout durationKind = iota // -1 for no limit; 0 refused
	resultTTL                      // -1 forever, 0 discard at once
	failureTTL                     // -1 forever
	queuedTTL                      // positive only
)

// parseDurationFlag reads the value of --flag with rqlite.ParseTimeout and
// maps RQ's special values.
func parseDurationFlag(flag, value string, kind durationKind) (time.Duration, error) {
	d, err := rqlite.ParseTimeout(value)
	if err != nil {
		// The reason alone: the rest of the message repeats the value.
		msg := err.Error()
		var oe *rqlite.OptionError
		if errors.As(err, &oe) && oe.Reason != "" {
			msg = oe.Reason
		}
		return 0, fmt.Errorf("invalid --%s %s: %s", flag, value, msg)
	}
	switch {
	case d > 0:
		return d, nil
	case kind == queuedTTL:
		return 0, fmt.Errorf("invalid --%s %s: the job ttl must be greater than 0", flag, value)
	case d == 0 && kind == jobTimeout:
		return 0, fmt.Errorf("invalid --%s %s: 0 timeout is not allowed, use -1 for no limit", flag, value)
	case d == 0 && kind == resultTTL:
		return rqlite.Discard, nil
	case d == rqlite.Forever:
		return rqlite.Forever, nil
	case kind == resultTTL:
		return 0, fmt.Errorf("invalid --%s %s: it must be positive, 0 to discard results or -1 to keep them forever", flag, value)
	}
	return 0, fmt.Errorf("invalid --%s %s: it must be positive, or -1 for no limit", flag, value)
}

// parseArgs reads the ARGUMENTS of rq enqueue as RQ 1.13's
// parse_function_args does (see the command's help): it returns the
// positional arguments in order and the keyword arguments. JSON numbers
// become int64 when whole and within range, and otherwise json.Number
// values spelled as Python writes them, so that the job's data and
// description are those RQ would write.
func parseArgs(args []string) (pos []any, kw map[string]any, err error) {
	pos = []any{}
	kw = map[string]any{}
	for _, a := range args {
		key, isKw, v, err := parseArg(a, len(pos)+1)
		if err != nil {
			return nil, nil, err
		}
		if !isKw {
			pos = append(pos, v)
			continue
		}
		if _, dup := kw[key]; dup {
			return nil, nil, fmt.Errorf("invalid argument %q: keyword argument %q is given more than once", a, key)
		}
		kw[key] = v
	}
	return pos, kw, nil
}

type argMode int

const (
	plainArg   argMode = iota // value
	jsonArg                   // :value, key:=value
	literalArg                // %value, key%=value: a Python literal
)

// parseArg reads one argument; n is the number the argument would have
// among the positional ones, for messages.
func parseArg(a string, n int) (key string, isKw bool, v any, err error) {
	mode, value := plainArg, a
	switch {
	case strings.HasPrefix(a, ":"):
		mode, value = jsonArg, a[1:]
	case strings.HasPrefix(a, "%"):
		mode, value = literalArg, a[1:]
	default:
		// As RQ: the first '=' not at the start makes a keyword; a ':'
		// or '%' just before it, if it is the first of its kind, sets
		// the mode.
		if i := strings.IndexByte(a, '='); i > 0 {
			isKw, value = true, a[i+1:]
			switch {
			case strings.IndexByte(a, ':') == i-1:
				mode, key = jsonArg, a[:i-1]
			case strings.IndexByte(a, '%') == i-1:
				mode, key = literalArg, a[:i-1]
			default:
				key = a[:i]
			}
		}
	}
	what := fmt.Sprintf("positional argument %d", n)
	if isKw {
		what = "keyword argument " + strconv.Quote(key)
	}
	if name, ok := strings.CutPrefix(value, "@"); ok {
		if value, err = readArgFile(name); err != nil {
			return "", false, nil, fmt.Errorf("invalid argument %q: %v", a, err)
		}
	}
	switch mode {
	case plainArg:
		return key, isKw, value, nil
	case literalArg:
		if v, err = parsePyLiteral(value); err != nil {
			return "", false, nil, fmt.Errorf("invalid argument %q: %s is not a supported Python literal: %v", a, what, err)
		}
		return key, isKw, v, nil
	}
	if v, err = decodeJSONArg(value); err != nil {
		return "", false, nil, fmt.Errorf("invalid argument %q: %s is not valid JSON: %v", a, what, err)
	}
	return key, isKw, v, nil
}

// readArgFile returns the text of a file as Python's open(name).read() does
// in text mode: UTF-8, with "\r\n" and "\r" read as "\n".
func readArgFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("cannot read file %q: %v", name, err)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("file %q is not UTF-8 text", name)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n"), nil
}

// decodeJSONArg decodes one JSON value as Python's json.loads: extra data
// after the value is an error.
func decodeJSONArg(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if rest := bytes.TrimLeft([]byte(s[dec.InputOffset():]), " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("extra data after the value at offset %d", len(s)-len(rest))
	}
	return pythonNumbers(v)
}

// pythonNumbers replaces each json.Number in v by the value Python's
// json.loads makes of it: an int (int64, or the digits themselves when too
// large) or a float, spelled as Python's repr spells it.
func pythonNumbers(v any) (any, error) {
	var err error
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
			return v, nil // a Python int of any size
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range", s)
		}
		return json.Number(pyFloat(f)), nil
	case []any:
		for i := range v {
			if v[i], err = pythonNumbers(v[i]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range v {
			if v[k], err = pythonNumbers(v[k]); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// pyFloat is Python's repr of a finite float: the shortest digits that read
// back the same, in fixed notation from 1e-4 up to 1e16 (always with a
// fractional part) and in exponent notation otherwise.
func pyFloat(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX, as Python's exponent form
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
