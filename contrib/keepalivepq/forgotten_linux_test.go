package keepalivepq_test

// A connection idle in database/sql's pool whose flow a NAT gateway
// forgot (internal/netns's Middlebox, forgetting flows idle 2s): the
// server is still there, the connection is dead. With Checked, the
// checkout runs keepalive.Check, which sees the unanswered keep-alive
// probe: database/sql closes the connection and the query goes on with
// a new one, through the NAT, at once. Without, the query is written to
// the dead flow and fails when the kernel gives up.

import (
	"database/sql/driver"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// natTimeout is how long the middlebox keeps an idle flow; forgetCfg's
// first probe comes after it.
const natTimeout = 2 * time.Second

var forgetCfg = keepalive.Config{Idle: 3 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 6 * time.Second}

func init() {
	netns.ForgottenCalls(calls, func(addr string, checked bool, dials *netns.Dials) (driver.Connector, error) {
		keepalivepq.SetDialed(dials.Add)
		c, err := keepalivepq.NewConnector(dsn(addr, false)+"&connect_timeout=2", forgetCfg)
		if err != nil {
			return nil, err
		}
		if checked {
			return keepalivepq.Checked(c), nil
		}
		return c, nil
	})
}

func TestIntegrationForgottenFlow(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := n.StartPostgres(t)
	n.ForgottenFlow(t, addr, natTimeout, func(o netns.Outcome) bool { return o.PeerGone })
}
