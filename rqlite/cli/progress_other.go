//go:build !unix

package cli

import "os"

// captureOutput would send standard output and standard error through a
// statusScreen; on this system it does not, and rq worker --burst shows
// no progress bar.
func captureOutput(func(*os.File, func() int) *statusScreen) (restore func()) {
	return nil
}
