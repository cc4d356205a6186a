package rqlite

import (
	"testing"
)

// TestHorseGetsTheWorkersLimits: a horse starts at the top of main, before
// what set its worker's decoding limits runs; it gets them through its
// environment.
func TestHorseGetsTheWorkersLimits(t *testing.T) {
	t.Cleanup(func() { SetDecodeLimits(Limits{}) })
	want := Limits{MaxDecompressed: 1024, MaxDepth: 7, MaxItems: 99, MaxIntDigits: 12}
	SetDecodeLimits(want)
	value := horseEnvValue()

	SetDecodeLimits(Limits{}) // the horse, before applying them
	t.Setenv(horseEnv, value)
	applyHorseLimits()
	if got := DecodeLimits(); got != want {
		t.Errorf("the horse's limits are %+v, want the worker's %+v", got, want)
	}
	t.Setenv(horseEnv, "1") // a horse started by hand, as the tests do
	applyHorseLimits()
	if got := DecodeLimits(); got != (Limits{DefaultMaxDecompressed, DefaultMaxDepth, DefaultMaxItems, DefaultMaxIntDigits}) {
		t.Errorf("with %s=1 the limits are %+v, want the defaults", horseEnv, got)
	}
}
