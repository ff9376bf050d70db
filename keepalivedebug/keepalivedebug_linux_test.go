package keepalivedebug_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/keepalivedebug"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tracked dials n tracked connections to a loopback listener, and
// resets the peer of the last one; all are closed at the end.
func tracked(t *testing.T, tr *keepalive.Tracker, n int) (reset net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	d := keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{UserTimeout: 5 * time.Second}), keepalive.WithTracker(tr))
	for i := range n {
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		a, err := ln.Accept()
		require.NoError(t, err)
		t.Cleanup(func() { a.Close() })
		if i == n-1 {
			require.NoError(t, a.(*net.TCPConn).SetLinger(0))
			require.NoError(t, a.Close())
			reset = c
		}
	}
	return reset
}

func get(t *testing.T, h http.Handler, method, url string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, url, nil))
	return w
}

// TestHandlerWorstFirst serves ten connections, one of them reset, and
// checks that the page lists the reset one first, within the limit.
func TestHandlerWorstFirst(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	reset := tracked(t, tr, 10)
	h := keepalivedebug.Handler(tr)
	var p keepalivedebug.Page
	require.Eventually(t, func() bool {
		w := get(t, h, "GET", "/debug/keepalive?format=json&limit=3")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, "application/json", w.Header().Get("Content-Type"))
		p = keepalivedebug.Page{}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
		return p.ByVerdict["gone"] == 1
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, 10, p.Tracked)
	assert.Equal(t, 9, p.ByVerdict["live"])
	assert.Equal(t, 3, p.Shown)
	require.Len(t, p.Connections, 3)
	assert.Equal(t, "gone", p.Connections[0].Verdict)
	assert.Equal(t, reset.LocalAddr().String(), p.Connections[0].LocalAddr)
	assert.Equal(t, "CLOSED", p.Connections[0].State)
	assert.Equal(t, "live", p.Connections[1].Verdict)
	assert.Positive(t, p.Connections[1].BoundMs)
	assert.Equal(t, "127.0.0.1", p.Connections[1].Peer)

	w := get(t, h, "GET", "/debug/keepalive")
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assert.Contains(t, body, "tracked connections: 10 (live 9, suspect 0, gone 1, closed_by_peer 0); worst 10 shown")
	lines := strings.Split(body, "\n")
	require.Greater(t, len(lines), 3)
	assert.True(t, strings.HasPrefix(lines[3], "gone "), "first row: %q", lines[3])

	// Check, which the collection left the error to, counts the reset.
	require.ErrorIs(t, keepalive.Check(reset), syscall.ECONNRESET)
	w = get(t, h, "GET", "/?format=json&limit=0")
	p = keepalivedebug.Page{}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	assert.Zero(t, p.Shown)
	require.NotEmpty(t, p.Peers)
	assert.Equal(t, map[string]uint64{"reset": 1}, p.Peers[0].Gone)
	assert.Contains(t, get(t, h, "GET", "/?limit=0").Body.String(), "127.0.0.1\tgone reset=1\tpool -\tdiscards -\n")
}

func TestHandlerLimitsAndErrors(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	tracked(t, tr, 2)
	h := keepalivedebug.Handler(tr)
	for _, tc := range []struct {
		method, url string
		code        int
		says        string
	}{
		{"GET", "/?limit=-1", http.StatusBadRequest, `limit "-1"`},
		{"GET", "/?limit=x", http.StatusBadRequest, `limit "x"`},
		{"GET", "/?format=xml", http.StatusBadRequest, `format "xml"`},
		{"POST", "/", http.StatusMethodNotAllowed, "method"},
		{"GET", "/?limit=100000", http.StatusOK, "worst 2 shown"},
		{"HEAD", "/", http.StatusOK, ""},
	} {
		t.Run(tc.method+tc.url, func(t *testing.T) {
			w := get(t, h, tc.method, tc.url)
			assert.Equal(t, tc.code, w.Code)
			assert.Contains(t, w.Body.String(), tc.says)
		})
	}
	require.NoError(t, tr.Close())
	w := get(t, h, "GET", "/")
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Contains(t, w.Body.String(), "Tracker closed")
	w = get(t, keepalivedebug.Handler(nil), "GET", "/")
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Contains(t, w.Body.String(), "nil Tracker")
}
