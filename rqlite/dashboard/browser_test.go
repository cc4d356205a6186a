package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromium is where Debian's chromium package puts the browser.
const chromium = "/usr/bin/chromium"

// screenshot is the picture of the dashboard in the docs, rewritten by the
// browser test when UPDATE_SCREENSHOT=1.
const screenshot = "../../docs/img/panel.png"

// TestBrowser drives the dashboard in a headless Chromium as a person
// would: on the page of a queue's failed jobs, it clicks Requeue, first
// dismissing the confirmation, then accepting it, and sees the count
// change.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and %s is missing: install the chromium package", chromium)
		}
		t.Skipf("%s is missing: install the chromium package to run this test", chromium)
	}
	e := newEnv(t, nil)

	// Some life in three queues: finished and failed emails, reports
	// waiting and one running, a scheduled one.
	for i := range 5 {
		e.enqueue("default", "test.echo", fmt.Sprintf("thumbnail-%d.png", i))
	}
	e.enqueue("emails", "test.echo", "ana@example.com")
	e.enqueue("emails", "test.echo", "luis@example.com")
	failed := e.enqueue("emails", "test.fail", "SMTP server at mail.example.com refused the message")
	e.enqueue("emails", "test.fail", "mailbox eva@example.com is full")
	e.burst("default", "emails")
	for i := range 3 {
		e.enqueue("default", "test.echo", fmt.Sprintf("thumbnail-%d.png", 5+i))
	}
	e.enqueue("emails", "test.echo", "marta@example.com")
	_, err := e.queue("reports").EnqueueIn(e.ctx, time.Hour, "test.echo", "monthly")
	must(t, err)
	running := e.enqueue("reports", "test.block")
	e.startWorker("worker-reports", "reports")
	e.waitStatus(running.ID, "started")

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 700),
	)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	must(t, chromedp.Do(ctx)) // starts the browser, which lives as long as ctx
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	// Each confirmation is answered as accept says, and its question kept.
	var accept atomic.Bool
	questions := make(chan string, 8)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			questions <- ev.Message
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept.Load()})
		}
	}()
	question := func() string {
		t.Helper()
		select {
		case q := <-questions:
			return q
		case <-time.After(10 * time.Second):
			t.Fatal("no confirmation was asked")
			return ""
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		must(t, err)
		return strings.TrimSpace(s)
	}

	failedPage := e.srv.URL + "/rq/queues/emails/failed?refresh=off"
	row := fmt.Sprintf(`a[href="/rq/jobs/%s"]`, failed.ID)
	button := fmt.Sprintf(`form[action="/rq/jobs/%s/requeue"] button`, failed.ID)
	must(t, chromedp.Do(ctx, chromedp.Navigate(failedPage), chromedp.WaitVisible(chromedp.CSS(row))))
	if got := text("nav.tabs a.active .count"); got != "2" {
		t.Fatalf("the failed tab counts %q, want 2", got)
	}

	// Dismissed: nothing happens.
	accept.Store(false)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button))))
	if q := question(); q != "Requeue job "+failed.ID+"?" {
		t.Errorf("the confirmation asks %q", q)
	}
	must(t, chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)))
	if n := e.zcard("rq:failed:emails"); n != 2 {
		t.Fatalf("after dismissing, %d failed jobs, want 2", n)
	}

	// Accepted: the job is requeued and the page says so.
	accept.Store(true)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button))))
	question()
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("p.flash"))))
	if got := text("p.flash"); got != "Requeued 1 job." {
		t.Errorf("the message is %q", got)
	}
	if got := text("nav.tabs a.active .count"); got != "1" {
		t.Errorf("after requeue the failed tab counts %q, want 1", got)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitNotPresent(chromedp.CSS(row))); err != nil {
		t.Errorf("the requeued job is still listed: %v", err)
	}
	if n := e.zcard("rq:failed:emails"); n != 1 {
		t.Errorf("after requeue, %d failed jobs in Redis, want 1", n)
	}
	if n := e.llen("rq:queue:emails"); n != 2 {
		t.Errorf("after requeue, %d jobs queued in emails, want 2", n)
	}

	// The queues page, for the docs.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/rq/?refresh=on"),
		chromedp.WaitVisible(chromedp.CSS("table.queues")),
	))
	if got := text(`a[href="/rq/queues/emails/failed"]`); got != "1" {
		t.Errorf("the queues page shows %q failed emails, want 1", got)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err)
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("the screenshot is not a PNG")
	}
	if os.Getenv("UPDATE_SCREENSHOT") == "1" {
		must(t, os.MkdirAll(filepath.Dir(screenshot), 0o755))
		must(t, os.WriteFile(screenshot, png, 0o644))
		t.Logf("wrote %s (%d bytes)", screenshot, len(png))
	}
}
