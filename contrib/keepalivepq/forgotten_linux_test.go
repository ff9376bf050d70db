package keepalivepq_test

// A connection idle in database/sql's pool whose flow a NAT gateway
// forgot (internal/netns's Middlebox, forgetting flows idle 2s): the
// server is still there, the connection is dead. With Checked, the
// checkout runs keepalive.Check, which sees the unanswered keep-alive
// probe: database/sql closes the connection and the query goes on with
// a new one, through the NAT, at once. Without, the query is written to
// the dead flow and fails when the kernel gives up.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// natTimeout is how long the middlebox keeps an idle flow; forgetCfg's
// first probe comes after it.
const natTimeout = 2 * time.Second

var forgetCfg = keepalive.Config{Idle: 3 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 6 * time.Second}

func init() {
	for _, checked := range []bool{true, false} {
		name := map[bool]string{true: "forgotten", false: "forgotten-unchecked"}[checked]
		calls[name] = func(addr string, inflight func()) error {
			var conns []net.Conn
			keepalivepq.SetDialed(func(c net.Conn) { conns = append(conns, c) })
			c, err := keepalivepq.NewConnector(dsn(addr, false)+"&connect_timeout=2", forgetCfg)
			if err != nil {
				return err
			}
			var connector driver.Connector = c
			if checked {
				connector = keepalivepq.Checked(c)
			}
			db := sql.OpenDB(connector)
			db.SetMaxOpenConns(1)
			if err := db.Ping(); err != nil {
				return err
			}
			// Wait until the kernel counts an unanswered probe.
			deadline := time.Now().Add(15 * time.Second)
			for {
				err := keepalive.Check(conns[0])
				if errors.Is(err, keepalive.ErrUnanswered) {
					break
				}
				if err != nil || time.Now().After(deadline) {
					return fmt.Errorf("waiting for an unanswered probe: Check says %v", err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			inflight()
			var n int
			err = db.QueryRowContext(context.Background(), "SELECT 1").Scan(&n)
			if err == nil && len(conns) != 2 {
				return fmt.Errorf("the query succeeded on connection %d of %d", len(conns), len(conns))
			}
			return err
		}
	}
}

func TestIntegrationForgottenFlow(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := n.StartPostgres(t)
	n.Middlebox(netns.Middlebox{IdleTimeout: natTimeout})

	with, without := n.StartCall(n.Client, "forgotten", addr), n.StartCall(n.Client, "forgotten-unchecked", addr)
	o, err := with.Outcome(30 * time.Second)
	require.NoError(t, err)
	t.Logf("Checked: the query took %v: error %q", o.Elapsed.Round(time.Millisecond), o.Err)
	assert.Empty(t, o.Err)
	assert.Less(t, o.Elapsed, time.Second)
	o, err = without.Outcome(30 * time.Second)
	require.NoError(t, err)
	t.Logf("unchecked: the query took %v: error %q peer-gone=%v", o.Elapsed.Round(time.Millisecond), o.Err, o.PeerGone)
	assert.True(t, o.PeerGone, "%q", o.Err)
	assert.Greater(t, o.Elapsed, time.Second)
}
