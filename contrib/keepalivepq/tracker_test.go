package keepalivepq_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

// TestTracker: keepalive.WithTracker given to NewConnector tracks the
// connections lib/pq dials, with their peer, and Checked's pool checks
// are counted for them; NewDialer takes it alike.
func TestTracker(t *testing.T) {
	s := newFakeServer(t)
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	cfg := keepalive.Within(20 * time.Second)
	c, err := keepalivepq.NewConnector(s.dsn(""), cfg, keepalive.WithTracker(tr))
	require.NoError(t, err)
	db := sql.OpenDB(keepalivepq.Checked(c))
	defer db.Close()

	ctx := context.Background()
	for range 2 { // dialed, then taken from the pool and checked
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
	}
	tracktest.Kept(t, tr, s.ln.Addr(), cfg.Timeout())
	require.NoError(t, db.Close())

	d, err := keepalivepq.NewDialer(cfg, keepalive.WithTracker(tr))
	require.NoError(t, err)
	conn, err := d.Dial("tcp", s.ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, conn.LocalAddr().String(), tracktest.Reading(t, tr, s.ln.Addr()).LocalAddr.String())
	require.NoError(t, conn.Close())

	// keepalives=0: keep-alive off, the connection tracked all the same.
	c, err = keepalivepq.NewConnector(s.dsn("keepalives=0"), cfg, keepalive.WithTracker(tr))
	require.NoError(t, err)
	dc, err := c.Connect(ctx)
	require.NoError(t, err)
	defer dc.Close()
	assert.Zero(t, tracktest.Reading(t, tr, s.ln.Addr()).Bound, "keep-alive off")
}
