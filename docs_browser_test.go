package rqlitetutorial_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// siteBrowser is where Debian's chromium package puts the browser.
const siteBrowser = "/usr/bin/chromium"

// overflowingBlock is a code block of the built site that scrolls sideways:
// its pre, or the code inside it, is wider inside than its box.
type overflowingBlock struct {
	First   string `json:"first"`   // the block's first line
	Longest int    `json:"longest"` // columns of its longest line, tab stops every 4
	Content int    `json:"content"` // scrollWidth of the element that overflows, in px
	Box     int    `json:"box"`     // its clientWidth, in px
}

// findOverflowing opens every details element (a collapsed block counts
// too), waits for the fonts, and lists the pre elements that scroll
// sideways. Material scrolls the code element inside pre, so both are
// measured.
const findOverflowing = `(async () => {
	for (const d of document.querySelectorAll("details")) d.open = true;
	await document.fonts.ready;
	const out = [];
	for (const pre of document.querySelectorAll("pre")) {
		const code = pre.querySelector(":scope > code");
		const wide = [pre, code].filter(e => e && e.scrollWidth > e.clientWidth);
		if (wide.length === 0) continue;
		const lines = (code || pre).textContent.replace(/\n$/, "").split("\n");
		const cols = l => [...l].reduce((n, c) => c === "\t" ? n + 4 - n % 4 : n + 1, 0);
		out.push({
			first: lines[0],
			longest: Math.max(...lines.map(cols)),
			content: wide[0].scrollWidth,
			box: wide[0].clientWidth,
		});
	}
	return out;
})()`

// TestDocsCodeBlocksDoNotScroll builds the site as it is published
// (mkdocs build --strict), serves it on loopback, and opens every page in
// a headless Chromium at 1280×800, a laptop's screen: no code or output
// block may scroll sideways, as the reader would not see the end of its
// lines. It lists every block that does, with its page and first line.
// Requests that leave the machine (the web fonts) fail at once, so the
// page is measured with the local fallback fonts, which are no narrower.
func TestDocsCodeBlocksDoNotScroll(t *testing.T) {
	for _, need := range []struct{ what, install string }{
		{siteBrowser, "the chromium package"},
		{"mkdocs", "mkdocs mkdocs-material python3-pymdownx graphviz"},
	} {
		if _, err := exec.LookPath(need.what); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI is set and %s is missing: apt-get install %s", need.what, need.install)
			}
			t.Skipf("%s is missing: apt-get install %s to run this test", need.what, need.install)
		}
	}

	site := t.TempDir()
	if out, err := exec.Command("mkdocs", "build", "--strict", "--site-dir", site).CombinedOutput(); err != nil {
		t.Fatalf("mkdocs build --strict: %v\n%s", err, out)
	}
	pages := sitePages(t, site)
	if len(pages) == 0 {
		t.Fatal("the built site has no pages")
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer srv.Close()

	ctx := startSiteBrowser(t)

	found := 0
	for _, p := range pages {
		blocks, err := overflowingBlocks(ctx, srv.URL+"/"+p)
		if err != nil {
			t.Fatalf("/%s: %v", p, err)
		}
		for _, b := range blocks {
			found++
			t.Errorf("/%s: the block that starts %q scrolls sideways: %d px of content in %d px (its longest line has %d columns)",
				p, b.First, b.Content, b.Box, b.Longest)
		}
	}
	if found > 0 {
		t.Logf("%d blocks in %d pages scroll sideways at 1280×800: wrap output blocks (text, json, yaml) with CSS, shorten Go lines to 80 columns (tabs as 4) and long commands", found, len(pages))
	}
}

// startSiteBrowser starts a headless Chromium with a fresh profile and a
// 1280×800 window, as the dashboard's browser test does, and returns a
// context for its tab; the browser stops when the test ends.
func startSiteBrowser(t *testing.T) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(siteBrowser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Only the test's server answers: names other than loopback do not
		// resolve, so a page never waits for the network.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The browser starts with the first action, and lives as long as ctx.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting %s: %v", siteBrowser, err)
	}
	return ctx
}

// overflowingBlocks opens a page and returns its blocks that scroll
// sideways.
func overflowingBlocks(ctx context.Context, pageURL string) ([]overflowingBlock, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		return nil, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]overflowingBlock](findOverflowing, chromedp.EvalAwaitPromise))
}

var siteURLPattern = regexp.MustCompile(`(?m)^site_url:\s*(\S+)\s*$`)

// sitePages returns the pages of a built site as paths from its root
// ("", "02-encolar/", ...): those of its sitemap first, which follows the
// nav, then any other index.html.
func sitePages(t *testing.T, site string) []string {
	t.Helper()
	var pages []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			pages = append(pages, p)
		}
	}
	cfg, err := os.ReadFile("mkdocs.yml")
	if err != nil {
		t.Fatal(err)
	}
	if m := siteURLPattern.FindSubmatch(cfg); m != nil {
		base, err := url.Parse(string(m[1]))
		if err != nil {
			t.Fatalf("mkdocs.yml: site_url: %v", err)
		}
		data, err := os.ReadFile(filepath.Join(site, "sitemap.xml"))
		if err != nil {
			t.Fatal(err)
		}
		var sitemap struct {
			URLs []struct {
				Loc string `xml:"loc"`
			} `xml:"url"`
		}
		if err := xml.Unmarshal(data, &sitemap); err != nil {
			t.Fatalf("sitemap.xml: %v", err)
		}
		for _, u := range sitemap.URLs {
			loc, err := url.Parse(strings.TrimSpace(u.Loc))
			if err != nil {
				t.Fatalf("sitemap.xml: %v", err)
			}
			add(strings.TrimPrefix(loc.Path, base.Path))
		}
	}
	var rest []string
	err = filepath.WalkDir(site, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == "index.html" {
			rel, _ := filepath.Rel(site, filepath.Dir(path))
			if rel == "." {
				rest = append(rest, "")
			} else {
				rest = append(rest, filepath.ToSlash(rel)+"/")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rest)
	for _, p := range rest {
		add(p)
	}
	return pages
}

// TestDocsBrowserCheckFindsScrollingBlocks shows that the check above
// finds a block that scrolls, and passes blocks that wrap or fit, on a
// page made for it.
func TestDocsBrowserCheckFindsScrollingBlocks(t *testing.T) {
	if _, err := exec.LookPath(siteBrowser); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and %s is missing: apt-get install chromium", siteBrowser)
		}
		t.Skipf("%s is missing: apt-get install chromium to run this test", siteBrowser)
	}
	long := strings.Repeat("x", 300)
	page := `<!doctype html><html><body style="width:600px">` +
		`<pre>short</pre>` +
		`<pre style="white-space:pre-wrap;overflow-wrap:anywhere">` + long + `</pre>` +
		`<pre><code style="display:block;overflow:auto">first line` + "\n" + long + `</code></pre>` +
		`<details><summary>más</summary><pre style="overflow:auto">hidden ` + long + `</pre></details>` +
		`</body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page)
	}))
	defer srv.Close()

	ctx := startSiteBrowser(t)
	blocks, err := overflowingBlocks(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var firsts []string
	for _, b := range blocks {
		firsts = append(firsts, b.First)
		if b.Longest != 300 && b.Longest != 307 || b.Content <= b.Box {
			t.Errorf("block %q: longest %d columns, %d px in %d px", b.First, b.Longest, b.Content, b.Box)
		}
	}
	if want := []string{"first line", "hidden " + long}; !slices.Equal(firsts, want) {
		t.Errorf("blocks found: %q, want %q", firsts, want)
	}
}
