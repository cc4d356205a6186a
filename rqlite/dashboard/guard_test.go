package dashboard

import (
	"bytes"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRecoverPanic(t *testing.T) {
	var logged bytes.Buffer
	h := New(nil, &Options{ErrorLog: log.New(&logged, "", 0)}).(*handler)
	h.mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	req.Host = "localhost:9181"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusInternalServerError || body != panicMessage+"\n" {
		t.Errorf("a panic answers %d %q, want 500 %q", rec.Code, body, panicMessage)
	}
	if !strings.Contains(logged.String(), "boom") || !strings.Contains(logged.String(), "goroutine ") {
		t.Errorf("the log has no panic and stack: %q", logged.String())
	}
}

func TestLabel(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"default":      "default",
		"cola-ñ":       "cola-ñ",
		"q\xff":        `q\xff`,
		"\xc3":         `\xc3`,
		"a\xe2\x82b€":  `a\xe2\x82b€`,
		`back\slash`:   `back\slash`,
		"\xed\xa0\x80": `\xed\xa0\x80`, // a surrogate
	} {
		if got := label(in); got != want || !utf8.ValidString(got) {
			t.Errorf("label(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostRules(t *testing.T) {
	local := &net.TCPAddr{IP: net.ParseIP("192.168.1.5"), Port: 9181}
	hr := newHostRules([]string{"Panel.Example.", ".corp.example", "[2001:db8::1]", ""})
	for host, want := range map[string]bool{
		"localhost:9181":            true,
		"127.0.0.1":                 true,
		"[::1]:9181":                true,
		"192.168.1.5:9181":          true, // the address it serves
		"192.168.1.6:9181":          false,
		"panel.example":             true,
		"panel.example.:9181":       true,
		"x.corp.example":            true,
		"corp.example":              true,
		"xcorp.example":             false,
		"[2001:db8::1]:9181":        true,
		"evil.example:9181":         false,
		"":                          true, // not a browser
		":9181":                     false,
		"localhost@evil.example":    false,
		"mi-maquina:9181":           false,
		"localhost.:9181":           true,
		"127.0.0.1.nip.io:9181":     false,
		"panel.example.evil:9181":   false,
		"[::ffff:127.0.0.1]:9181":   true,
		"0.0.0.0:9181":              false,
		"localhost:9181:extra":      false,
		"sub.localhost.evil:9181":   false,
		"[::1]":                     true,
		"192.168.1.5":               true,
		"panel.example:notaport":    false,
		"PANEL.EXAMPLE:9181":        true,
		"corp.example.evil":         false,
		"evil.example/corp.example": false,
	} {
		if got := hr.allows(host, local); got != want {
			t.Errorf("allows(%q) = %v, want %v", host, got, want)
		}
	}
	if !newHostRules([]string{"*"}).allows("anything", nil) {
		t.Error(`"*" does not allow any host`)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		host, origin, referer string
		want                  bool
	}{
		{"127.0.0.1:9181", "", "", true},
		{"127.0.0.1:9181", "http://127.0.0.1:9181", "", true},
		{"panel.example", "https://panel.example", "", true},
		{"panel.example:443", "https://panel.example", "", true},
		{"panel.example", "http://panel.example:80", "", true},
		{"127.0.0.1:9181", "http://127.0.0.1:9182", "", false},
		{"127.0.0.1:9181", "http://evil.example:9181", "http://127.0.0.1:9181/", false},
		{"127.0.0.1:9181", "null", "", false},
		{"127.0.0.1:9181", "", "http://127.0.0.1:9181/rq/queues/a", true},
		{"127.0.0.1:9181", "", "http://evil.example/", false},
		{"127.0.0.1:9181", "", "/relative", false},
		{"127.0.0.1:9181", "file://127.0.0.1:9181", "", false},
	} {
		r := httptest.NewRequest(http.MethodPost, "/queues/a/empty", nil)
		r.Host = c.host
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if c.referer != "" {
			r.Header.Set("Referer", c.referer)
		}
		if got := sameOrigin(r); got != c.want {
			t.Errorf("Host %s, Origin %q, Referer %q: %v, want %v", c.host, c.origin, c.referer, got, c.want)
		}
	}
}
