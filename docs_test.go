package rqlitetutorial_test

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite/cli"
)

// The tutorial's promise is that every code and output block of a page
// comes from a file that the tests build or compare with a real program's
// output. TestDocsBlocksComeFromCheckedFiles enforces it: a block is one
// snippet include (--8<-- "path") of a checked file, or command lines that
// name existing programs, subcommands and flags, or the output of the
// commands right before it, which TestDocsPagesRun compares with what they
// print.

// codeBlock is a fenced block of a page.
type codeBlock struct {
	file      string
	line, end int    // of its fences
	lang      string // after the opening fence, "" if none
	body      []string
}

var fence = regexp.MustCompile("^(\\s*)(```|~~~)")

// codeBlocks returns the fenced blocks of a Markdown page. Indented code
// blocks are returned too, with an empty body line first, so that they
// fail the check: a page must fence its blocks.
func codeBlocks(name, text string) (blocks []codeBlock) {
	sc := bufio.NewScanner(strings.NewReader(text))
	var cur *codeBlock
	var marker string
	prev, prevBlank := "", true
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := fence.FindStringSubmatch(line)
		if cur == nil && m == nil && indentedCode(line, prev, prevBlank) {
			blocks = append(blocks, codeBlock{file: name, line: n, body: []string{"(indented code block)", line}})
		}
		if strings.TrimSpace(line) == "" {
			prevBlank = true
		} else {
			prev, prevBlank = line, false
		}
		switch {
		case cur == nil && m != nil:
			lang, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), m[2])), " ")
			cur, marker = &codeBlock{file: name, line: n, lang: lang}, m[2]
		case cur != nil && m != nil && m[2] == marker && strings.TrimSpace(line) == marker:
			cur.end = n
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.body = append(cur.body, strings.TrimSpace(line))
		}
	}
	return blocks
}

var listItem = regexp.MustCompile(`^\s*([-*+]|\d+\.)\s`)

// indentedCode reports whether line starts an indented code block: four
// more spaces than the text it follows (an admonition's text is indented
// by four itself), after a blank line.
func indentedCode(line, prev string, prevBlank bool) bool {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	if strings.TrimSpace(line) == "" || !prevBlank || listItem.MatchString(prev) {
		return false
	}
	prevIndent := len(prev) - len(strings.TrimLeft(prev, " "))
	if strings.HasPrefix(strings.TrimSpace(prev), "!!!") || strings.HasPrefix(strings.TrimSpace(prev), "???") {
		prevIndent += 4
	}
	return indent >= prevIndent+4 && prevIndent%4 == 0 && !listItem.MatchString(line)
}

var snippet = regexp.MustCompile(`^--8<-- "([^"]+)"$`)

// powershellEnv is PowerShell's form of VAR=value before a command.
var powershellEnv = regexp.MustCompile(`^(\$env:[A-Z_]+ = "[^"]*"; )+`)

// checkBlock returns what is wrong with a block, or "".
func checkBlock(b codeBlock, checked func(path string) string) string {
	if b.lang == "powershell" {
		for _, l := range b.body {
			if l != "" && !powershellEnv.MatchString(l) {
				return fmt.Sprintf("%q: a PowerShell block only shows how to set variables before a command", l)
			}
		}
		b.body = slices.Clone(b.body)
		for i, l := range b.body {
			b.body[i] = powershellEnv.ReplaceAllString(l, "")
		}
	}
	var body []string
	for _, l := range b.body {
		if l != "" {
			body = append(body, l)
		}
	}
	if len(body) == 1 {
		if m := snippet.FindStringSubmatch(body[0]); m != nil {
			return checked(m[1])
		}
	}
	for _, l := range body {
		if snippet.MatchString(l) {
			return "a snippet include must be alone in its block"
		}
		if err := checkCommand(l); err != "" {
			return err
		}
	}
	return ""
}

// commandPrefixes are the programs a page may show as a command to run.
var commandPrefixes = []string{"go run ./", "go test", "go install ./", "go build ", "docker compose", "docker-compose",
	"rq ", "mkdocs ", "apt-get install ", "sudo apt-get install ", "cd ", "systemctl ", "sudo systemctl ", "supervisorctl ",
	"git clone ", "sudo install ",
	"redis-cli ", "/usr/bin/python3 ", "python3 ", "PYTHONPATH=", "curl ",
	"~/rq2/bin/"} // Python RQ 2 in a virtual environment (rq2Home)

var envAssign = regexp.MustCompile(`^[A-Z_]+=\S*$`)

// checkCommand checks one command line: an existing program, and for rq an
// existing subcommand with valid flags.
func checkCommand(line string) string {
	if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "$ ") {
		return fmt.Sprintf("%q: write commands without prompts or comments", line)
	}
	fields := strings.Fields(line)
	for len(fields) > 0 && envAssign.MatchString(fields[0]) && !strings.HasPrefix(fields[0], "PYTHONPATH=") {
		fields = fields[1:] // TAREAS_SEMILLA=7 go run ...
	}
	rest := strings.Join(fields, " ")
	ok := false
	for _, p := range commandPrefixes {
		if strings.HasPrefix(rest, p) {
			ok = true
		}
	}
	if !ok {
		return fmt.Sprintf("%q is not a command to run: include code and output from a checked file", line)
	}
	if dir, found := strings.CutPrefix(rest, "go run ./"); found {
		dir = strings.Fields(dir)[0]
		if _, err := os.Stat(dir); err != nil {
			return fmt.Sprintf("%q: there is no ./%s", line, dir)
		}
		if dir == "cmd/rq" {
			return checkRQ(line, strings.Fields(rest)[3:])
		}
	}
	if strings.HasPrefix(rest, "rq ") {
		return checkRQ(line, fields[1:])
	}
	return ""
}

// checkRQ checks that rq args names a subcommand and valid flags.
func checkRQ(line string, args []string) string {
	var words []string
	for _, a := range args {
		if a == "|" || a == "&&" || a == ">" {
			break
		}
		words = append(words, a)
	}
	cmd, rest, err := cli.New().Find(words)
	if err != nil || cmd.Name() == "rq" && len(words) > 0 {
		return fmt.Sprintf("%q: no such rq subcommand", line)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return fmt.Sprintf("%q: %v", line, err)
	}
	return ""
}

// checkedFile reports whether a file a page includes is checked: Go source
// that the build compiles, or a file that a test compares or reads.
func checkedFile(tests string) func(path string) string {
	return func(path string) string {
		if _, err := os.Stat(path); err != nil {
			return fmt.Sprintf("%s does not exist", path)
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			return "" // go build ./... compiles it, go vet checks it
		}
		if strings.Contains(tests, `"`+path+`"`) || strings.Contains(tests, "$ROOT/"+path) {
			return ""
		}
		return fmt.Sprintf("%s is not checked by any test (no testscript or test mentions it)", path)
	}
}

// testSources is the text of every test file and script, where a checked
// file is named.
func testSources(t *testing.T) string {
	var b strings.Builder
	for _, pattern := range []string{"testdata/scripts/*.txtar", "*_test.go", "*/*_test.go", "*/*/*_test.go"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
		}
	}
	return b.String()
}

func TestDocsBlocksComeFromCheckedFiles(t *testing.T) {
	pages, _ := filepath.Glob("docs/*.md")
	if len(pages) == 0 {
		t.Fatal("no pages in docs/")
	}
	checked := checkedFile(testSources(t))
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		var prev codeBlock
		for _, b := range codeBlocks(page, string(data)) {
			if isRunOutput(prev, b) {
				prev = b
				continue // TestDocsPagesRun compares it with what the commands print
			}
			if msg := checkBlock(b, checked); msg != "" {
				t.Errorf("%s:%d: %s", b.file, b.line, msg)
			}
			prev = b
		}
	}
}

// isRunOutput reports whether b shows the output of the commands in prev,
// as TestDocsPagesRun reads a page (see isOutput there).
func isRunOutput(prev, b codeBlock) bool {
	if prev.lang != "sh" && prev.lang != "" || prev.end == 0 {
		return false
	}
	return isOutput(pageBlock{end: prev.end}, pageBlock{line: b.line, lang: b.lang})
}

// TestDocsCheckerRefusesPastedBlocks shows that the check above fails on a
// pasted block, and accepts includes and commands.
func TestDocsCheckerRefusesPastedBlocks(t *testing.T) {
	page := "# P\n\n```go\nq.Enqueue(ctx, f, 3)\n```\n\n```text\nHe tardado 34 segundos en total\n```\n\n" +
		"```\n--8<-- \"demos/01-sync/main.go\"\n```\n\n```\ngo run ./demos/01-sync\nrq worker --burst high default low\n```\n\n" +
		"```\nrq worker --frobnicate\n```\n\n```\ngo run ./demos/99-nada\n```\n\n```\n--8<-- \"docs/nada.txt\"\n```\n"
	checked := checkedFile("")
	var problems []int
	for _, b := range codeBlocks("p.md", page) {
		if checkBlock(b, checked) != "" {
			problems = append(problems, b.line)
		}
	}
	if fmt.Sprint(problems) != "[3 7 20 24 28]" {
		t.Errorf("blocks refused at lines %v, want [3 7 20 24 28]", problems)
	}
}

var (
	hrefPattern = regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	idPattern   = regexp.MustCompile(`id="([^"]*)"`)
)

// TestDocsSiteHasNoBrokenLinks builds the site with mkdocs --strict and
// checks every internal link and anchor of the result.
func TestDocsSiteHasNoBrokenLinks(t *testing.T) {
	if _, err := exec.LookPath("mkdocs"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mkdocs is required in CI (apt-get install mkdocs mkdocs-material python3-pymdownx)")
		}
		t.Skip("mkdocs is not installed (apt-get install mkdocs mkdocs-material python3-pymdownx)")
	}
	site := t.TempDir()
	if out, err := exec.Command("mkdocs", "build", "--strict", "--site-dir", site).CombinedOutput(); err != nil {
		t.Fatalf("mkdocs build --strict: %v\n%s", err, out)
	}
	// 404.html links from the path of site_url, where the site is published.
	sitePath := "/"
	if u, err := url.Parse(readMkdocs(t).SiteURL); err == nil && u.Path != "" {
		sitePath = u.Path
	}
	pages, _ := filepath.Glob(filepath.Join(site, "*.html"))
	more, _ := filepath.Glob(filepath.Join(site, "*", "index.html"))
	pages = append(pages, more...)
	ids := map[string]map[string]bool{}
	read := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			return ""
		}
		if ids[path] == nil {
			ids[path] = map[string]bool{}
			for _, m := range idPattern.FindAllStringSubmatch(string(data), -1) {
				ids[path][m[1]] = true
			}
		}
		return string(data)
	}
	for _, page := range pages {
		for _, m := range hrefPattern.FindAllStringSubmatch(read(page), -1) {
			link := m[1]
			if link == "" || strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") || strings.HasPrefix(link, "data:") {
				continue
			}
			target, frag, _ := strings.Cut(link, "#")
			path := page
			if rest, ok := strings.CutPrefix(target, sitePath); ok {
				target, path = rest, filepath.Join(site, "index.html")
			}
			if target != "" {
				path = filepath.Join(filepath.Dir(page), target)
				if strings.HasSuffix(target, "/") || target == "." || target == ".." {
					path = filepath.Join(path, "index.html")
				}
			}
			if read(path) == "" {
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: broken link %s", strings.TrimPrefix(page, site), link)
					continue
				}
			}
			if frag != "" && strings.HasSuffix(path, ".html") && !ids[path][frag] {
				t.Errorf("%s: link %s: no anchor #%s", strings.TrimPrefix(page, site), link, frag)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`%\([a-z_]+\)s|%[a-zA-Z]`)

// TestDeployFilesRunValidCommands checks the systemd unit and the
// supervisor configuration that the docs show: each starts rq with an
// existing subcommand and valid flags.
func TestDeployFilesRunValidCommands(t *testing.T) {
	for file, key := range map[string]string{"deploy/rq-worker.service": "ExecStart=", "deploy/supervisor-rq.conf": "command="} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, line := range strings.Split(string(data), "\n") {
			cmd, ok := strings.CutPrefix(line, key)
			if !ok {
				continue
			}
			found = true
			fields := strings.Fields(placeholder.ReplaceAllString(cmd, "x"))
			if len(fields) == 0 || filepath.Base(fields[0]) != "rq" {
				t.Errorf("%s: %s does not run rq", file, line)
				continue
			}
			if msg := checkRQ(line, fields[1:]); msg != "" {
				t.Errorf("%s: %s", file, msg)
			}
		}
		if !found {
			t.Errorf("%s has no %s line", file, key)
		}
	}
}

// TestWorkshopKit checks docker-compose.yml and the Dockerfile that the
// workshop page shows: the compose file is valid with every profile (when
// docker-compose is installed; no Docker engine is needed), its rq commands
// are valid, and the image builds the rq command with this module's Go.
func TestWorkshopKit(t *testing.T) {
	compose, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	commands := regexp.MustCompile(`(?m)^\s*command: \[(.*)\]$`).FindAllStringSubmatch(string(compose), -1)
	checkedRQ := 0
	for _, m := range commands {
		var args []string
		for _, a := range strings.Split(m[1], ",") {
			args = append(args, strings.Trim(strings.TrimSpace(a), `"`))
		}
		if args[0] == "redis-server" {
			continue
		}
		checkedRQ++
		if msg := checkRQ(m[0], args); msg != "" {
			t.Errorf("docker-compose.yml: %s", msg)
		}
	}
	if checkedRQ != 2 {
		t.Errorf("docker-compose.yml runs rq %d times, want 2 (worker and panel)", checkedRQ)
	}

	docker, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := os.ReadFile("go.mod")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(mod))[1]
	if !strings.Contains(string(docker), "FROM golang:"+goVersion+" ") || !strings.Contains(string(docker), "go build -trimpath -o /out/rq ./cmd/rq") {
		t.Errorf("the Dockerfile does not build ./cmd/rq with Go %s", goVersion)
	}

	if _, err := exec.LookPath("docker-compose"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("docker-compose is required in CI (apt-get install docker-compose)")
		}
		t.Skip("docker-compose is not installed: the file's syntax is not checked")
	}
	for _, args := range [][]string{{"config", "-q"}, {"--profile", "worker", "--profile", "panel", "config", "-q"}} {
		if out, err := exec.Command("docker-compose", append([]string{"-f", "docker-compose.yml"}, args...)...).CombinedOutput(); err != nil {
			t.Errorf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestReadmeShowsBenchResults checks that the README shows the table of
// bench/resultados.txt as it is, so that the two never differ.
func TestReadmeShowsBenchResults(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile("bench/resultados.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```text\n"+string(table)+"```\n") {
		t.Error("README.md does not show bench/resultados.txt as it is, in a text block: copy it again")
	}
}

// The walkthrough's programs, each after the one it grows from: its page
// highlights the lines that changed.
var chapterPrograms = []struct{ page, program, previous string }{
	{"docs/02-encolar.md", "demos/02-enqueue/main.go", "demos/01-sync/main.go"},
	{"docs/03-contar.md", "demos/03-count/main.go", "demos/02-enqueue/main.go"},
	{"docs/04-workers.md", "demos/04-worker/main.go", "demos/03-count/main.go"},
	{"docs/05-burst.md", "demos/05-burst/main.go", "demos/04-worker/main.go"},
}

var hlLines = regexp.MustCompile(`hl_lines="([^"]*)"`)

// TestDocsHighlightChangedLines checks that each chapter highlights
// exactly the lines of its program that are not in the previous chapter's
// (a line diff; the package comment at the top is not counted).
func TestDocsHighlightChangedLines(t *testing.T) {
	for _, c := range chapterPrograms {
		page, err := os.ReadFile(c.page)
		if err != nil {
			t.Fatal(err)
		}
		var attr []string
		for _, line := range strings.Split(string(page), "\n") {
			if strings.HasPrefix(line, "```go") && strings.Contains(line, `title="`+c.program+`"`) {
				attr = hlLines.FindStringSubmatch(line)
			}
		}
		if attr == nil {
			t.Errorf("%s: no ```go title=%q hl_lines=\"...\" block", c.page, c.program)
			continue
		}
		want := changedLines(t, c.previous, c.program)
		if got := expandRanges(attr[1]); got != want {
			t.Errorf("%s: hl_lines=%q, but the lines of %s not in %s are %q", c.page, attr[1], c.program, c.previous, want)
		}
	}
}

// changedLines returns, as hl_lines would list them, the line numbers of
// file that a longest-common-subsequence diff against old does not keep,
// leaving out the comment before the package clause.
func changedLines(t *testing.T, old, file string) string {
	read := func(name string) []string {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	a, b := read(old), read(file)
	// lcs[i][j] is the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	kept := make([]bool, len(b))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			kept[j] = true
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			j++
		}
	}
	var lines []string
	inPackage := false
	for j, line := range b {
		inPackage = inPackage || strings.HasPrefix(line, "package ")
		if inPackage && !kept[j] && strings.TrimSpace(line) != "" {
			lines = append(lines, fmt.Sprint(j+1))
		}
	}
	return strings.Join(lines, " ")
}

// expandRanges turns hl_lines' "3 5-7" into "3 5 6 7".
func expandRanges(s string) string {
	var out []string
	for _, f := range strings.Fields(s) {
		lo, hi, isRange := strings.Cut(f, "-")
		if !isRange {
			out = append(out, f)
			continue
		}
		var a, b int
		fmt.Sscan(lo, &a)
		fmt.Sscan(hi, &b)
		for n := a; n <= b; n++ {
			out = append(out, fmt.Sprint(n))
		}
	}
	return strings.Join(out, " ")
}

// lessonImports are the packages lesson code may import, besides the
// standard library: what a reader's own module would.
var lessonImports = []string{
	"github.com/colasrq/rqlite-tutorial/rqlite",
	"github.com/colasrq/rqlite-tutorial/tareas",
	"github.com/redis/go-redis/v9",
}

// TestLessonCodeImportsOnlyWhatAReaderHas checks every program of demos/
// and ejercicios/: a reader who copies one into a module of their own
// needs nothing else (no internal package, no test helper).
func TestLessonCodeImportsOnlyWhatAReaderHas(t *testing.T) {
	files, _ := filepath.Glob("demos/*/*.go")
	more, _ := filepath.Glob("ejercicios/*/*.go")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("found only %d lesson files", len(files))
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
				continue // the standard library
			}
			// Library packages beyond rqlite (the dashboard) are fine in
			// the other pages' programs; the numbered chapters use none.
			library := strings.HasPrefix(path, lessonImports[0]+"/") &&
				!strings.Contains(path, "/internal") && !strings.Contains(path, "/rqtest")
			numbered := strings.HasPrefix(f, "demos/0")
			if !slices.Contains(lessonImports, path) && (numbered || !library) {
				t.Errorf("%s imports %s; lesson code may import only the standard library and %v", f, path, lessonImports)
			}
		}
	}
}
