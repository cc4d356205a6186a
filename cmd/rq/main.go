// Command rq is the command-line tool of rqlite, a Go port of Python RQ,
// with the tasks of the tutorial registered, so that its workers can run
// them. A program with tasks of its own builds its rq the same way: import
// the packages that register the tasks, and run cli.Main.
package main

import (
	"os"

	"github.com/colasrq/rqlite-tutorial/rqlite/cli"
	_ "github.com/colasrq/rqlite-tutorial/tareas" // registers the tasks
)

func main() {
	os.Exit(cli.Main())
}
