package keepalivehttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivehttp"
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

// TestTracker: keepalive.WithTracker given to Client (or Transport)
// tracks the connections it dials, with their peer (a real server on
// loopback; the connection idles in the Transport after the request).
func TestTracker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	cfg := keepalive.Within(20 * time.Second)
	c := keepalivehttp.Client(cfg, keepalive.WithTracker(tr))
	defer c.CloseIdleConnections()
	resp, err := c.Get(srv.URL)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	tracktest.Live(t, tr, srv.Listener.Addr(), cfg.Timeout())
}
