package main

import (
	"fmt"
	"math"
	"strings"
)

// writeTargets writes the targets as a table: each figure, its bound as
// the issue states it with the figures of the run, and the term that
// binds when there are several.
func writeTargets(b *strings.Builder, ts []Target) {
	b.WriteString("\nTargets (each bound from figures of this run)\n")
	rows := [][]string{}
	count := map[string]int{}
	for _, t := range ts {
		count[t.Status]++
		mark := "–"
		switch t.Status {
		case statusPass:
			mark = "✓"
		case statusFail:
			mark = "✗"
		}
		rows = append(rows, []string{mark + " " + t.Name, fmtValue(t.Measured, t.Unit), bound(t)})
	}
	writeAligned(b, rows, "lrl")
	fmt.Fprintf(b, "%d met, %d missed, %d not measured, %d not computable\n",
		count[statusPass], count[statusFail], count[statusNotMeasured], count[statusNotComputable])
}

// bound is a target's bound as text: "≥ min(1.1× asynq 12,547/s, 0.9×
// PING 13,386/s) = 12,047/s: binding PING", or "≥ 3× Python RQ
// 3,845/s = 11,535/s".
func bound(t Target) string {
	op := "≥"
	if t.Op == "<=" {
		op = "≤"
	}
	terms := make([]string, len(t.Terms))
	for i, term := range t.Terms {
		of := fmtValue(term.Of, t.Unit)
		if term.Of == nil {
			of = "(not measured)"
		}
		terms[i] = fmt.Sprintf("%s %s %s", fmtFactor(term.Factor), term.Label, of)
	}
	s := op + " " + strings.Join(terms, ", ")
	if len(terms) > 1 {
		s = op + " min(" + strings.Join(terms, ", ") + ")"
	}
	if t.Limit == nil {
		return s + ": not computable"
	}
	s += " = " + fmtValue(t.Limit, t.Unit)
	if t.Binding != "" {
		s += ": binding " + t.Binding
	}
	return s
}

// fmtFactor writes a factor of a bound: 1.5 → "1.5×".
func fmtFactor(f float64) string { return trimZeros(fmt.Sprintf("%.2f", f)) + "×" }

// fmtValue writes a value in a target's unit, "not measured" when unknown.
func fmtValue(v *float64, unit string) string {
	if v == nil {
		return statusNotMeasured
	}
	if unit == unitRate {
		return thousands(int(math.Round(*v))) + "/s"
	}
	return trimZeros(fmt.Sprintf("%.*f", unitDecimals(unit), *v)) + " " + unit
}
