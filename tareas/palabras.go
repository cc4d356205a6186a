package tareas

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func init() {
	rqlite.Register("tareas.count_words_at_url", CountWordsAtURL, "url")
}

// CountWordsAtURL descarga la página en url y cuenta sus palabras: el
// ejemplo de la documentación de RQ, count_words_at_url.
func CountWordsAtURL(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return len(strings.Fields(string(body))), nil
}
