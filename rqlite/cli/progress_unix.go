//go:build unix

package cli

import (
	"io"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// captureOutput sends what the process writes to its standard output and
// standard error, which are the terminal, through one pipe to the
// statusScreen that newScreen makes for the terminal; the process's child
// processes inherit the pipe. One pipe for both keeps the order in which
// they were written, as the terminal would show them. It returns the
// function that puts standard output and standard error back, writes what
// is left in the pipe and closes the screen; nil if the descriptors cannot
// be moved.
func captureOutput(newScreen func(term *os.File, width func() int) *statusScreen) (restore func()) {
	fds := []int{2, 1}
	// While the descriptors change, no child process may be started: it
	// would inherit them half done.
	syscall.ForkLock.Lock()
	saved := make([]int, len(fds))
	var pipe [2]int
	var err error
	for i, fd := range fds {
		if saved[i], err = unix.Dup(fd); err != nil {
			closeAll(saved[:i]...)
			syscall.ForkLock.Unlock()
			return nil
		}
		syscall.CloseOnExec(saved[i])
	}
	if err := syscall.Pipe(pipe[:]); err != nil {
		closeAll(saved...)
		syscall.ForkLock.Unlock()
		return nil
	}
	syscall.CloseOnExec(pipe[0])
	syscall.CloseOnExec(pipe[1])
	for _, fd := range fds {
		unix.Dup2(pipe[1], fd)
	}
	syscall.Close(pipe[1]) // the copies on fds are the pipe's writing ends
	syscall.ForkLock.Unlock()

	term := os.NewFile(uintptr(saved[0]), "/dev/stderr")
	// A crash is written to standard error, which is the pipe now, and the
	// dying process would not read it back: write it to the terminal too.
	debug.SetCrashOutput(term, debug.CrashOptions{})
	screen := newScreen(term, func() int { return terminalWidth(saved[0]) })
	r := os.NewFile(uintptr(pipe[0]), "|rq worker")
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(screen, r)
	}()
	return func() {
		syscall.ForkLock.Lock()
		for i, fd := range fds {
			unix.Dup2(saved[i], fd)
		}
		syscall.ForkLock.Unlock()
		debug.SetCrashOutput(nil, debug.CrashOptions{})
		// The pipe ends when no process holds its writing end any more;
		// a process the jobs left behind may still hold it.
		select {
		case <-copied:
		case <-time.After(2 * time.Second):
		}
		screen.Close()
		r.Close()
		closeAll(saved[1:]...)
		term.Close()
	}
}

func closeAll(fds ...int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// terminalWidth is the width in columns of the terminal open as fd, 0 if
// unknown.
func terminalWidth(fd int) int {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
