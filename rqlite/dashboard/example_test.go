package dashboard_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
)

// The dashboard mounted under /rq/ of a web service, next to the service's
// own pages, as django-rq's URLs are included in a Django project. The
// Prefix tells the dashboard where its links must point; http.StripPrefix
// takes it off the paths the dashboard sees. Here every page asks for a
// user and a password.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "the service's home page")
	})
	mux.Handle("/rq/", http.StripPrefix("/rq", dashboard.New(rdb, &dashboard.Options{
		Prefix:   "/rq/",
		Username: "admin",
		Password: "change me",
	})))
	// In a real program: http.ListenAndServe("127.0.0.1:8000", mux).

	srv := httptest.NewServer(mux)
	defer srv.Close()
	show := func(path, user, password string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(path, resp.Status, resp.Header.Get("Content-Type"))
	}
	show("/", "", "")
	show("/rq/static/style.css", "", "")
	show("/rq/static/style.css", "admin", "change me")
	// Output:
	// / 200 OK text/plain; charset=utf-8
	// /rq/static/style.css 401 Unauthorized text/plain; charset=utf-8
	// /rq/static/style.css 200 OK text/css; charset=utf-8
}
