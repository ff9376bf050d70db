package keepalivedebug_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/keepalivedebug"
)

// TestHandlerBounded: with more connections than MaxLimit, a page lists
// MaxLimit at most (DefaultLimit by default) and counts them all; a
// request whose context has ended gets 503 saying why.
func TestHandlerBounded(t *testing.T) {
	const n = keepalivedebug.MaxLimit + 500
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	tracked(t, tr, n)
	h := keepalivedebug.Handler(tr)

	w := get(t, h, "GET", "/?format=json&limit=100000")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var p keepalivedebug.Page
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	assert.Equal(t, n, p.Tracked)
	assert.Equal(t, keepalivedebug.MaxLimit, p.Shown)
	assert.Len(t, p.Connections, keepalivedebug.MaxLimit)
	t.Logf("%d connections: a page of the worst %d is %d bytes of JSON", n, p.Shown, w.Body.Len())

	w = get(t, h, "GET", "/")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "worst 100 shown")
	assert.Less(t, strings.Count(w.Body.String(), "\n"), keepalivedebug.DefaultLimit+20, "one line per connection shown, and a few more")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), context.Canceled.Error())
}
