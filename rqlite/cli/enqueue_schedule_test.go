package cli

import (
	"strings"
	"testing"
)

// --schedule-at refuses a time before 1970, which the scheduler would
// never reach, with one line naming the value.
func TestParseScheduleAt(t *testing.T) {
	for _, value := range []string{"1969-12-30", "1900-01-01T00:00:00", "0001-01-01 00:00:00"} {
		_, err := parseScheduleAt(value)
		if err == nil || !strings.Contains(err.Error(), `"`+value+`"`) || !strings.Contains(err.Error(), "1970") || strings.Contains(err.Error(), "\n") {
			t.Errorf("parseScheduleAt(%q) = %v, want a one-line error naming it and 1970", value, err)
		}
	}
	if at, err := parseScheduleAt("2026-11-27T15:09:00"); err != nil || at.Year() != 2026 {
		t.Errorf("parseScheduleAt(2026-11-27T15:09:00) = %v, %v", at, err)
	}
}
