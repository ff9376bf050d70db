package keepalivemysql_test

// Checked on a lossy path to a live MariaDB server: random loss each
// way (internal/netns Loss), pooled connections idle 1.5s to 3s between
// queries, keep-alive probes after 1s idle. Every connection the pools
// throw away is needless. Run alone with
//
//	sudo go test -count=1 -v -run TestIntegrationLossyPool .
//
// scripts/error-rates runs it longer, at each loss.

import (
	"database/sql"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tcpkeepalive/keepalive/contrib/keepalivemysql"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func init() {
	netns.ChurnCalls(calls, func(addr string, d time.Duration, checked bool, inflight func()) error {
		var dials netns.Dials
		keepalivemysql.SetDialed(dials.Add)
		open := func() (*sql.DB, error) {
			c, err := mysql.ParseDSN(dsn(addr, false))
			if err != nil {
				return nil, err
			}
			c.Logger = logger{}
			if err := keepalivemysql.Configure(c, netns.LossConfig); err != nil {
				return nil, err
			}
			connector, err := mysql.NewConnector(c)
			if err != nil {
				return nil, err
			}
			if checked {
				connector = keepalivemysql.Checked(connector)
			}
			return sql.OpenDB(connector), nil
		}
		return netns.ChurnDB(d, open, &dials, inflight)
	})
}

// TestIntegrationLossyPool: at 20% loss each way (the CI run; more
// levels and longer runs through scripts/error-rates), database/sql
// with Checked throws away next to no live connection, and its callers
// see no more errors than without it.
func TestIntegrationLossyPool(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	netns.NeedNFT(t)
	n.LossyPool(t, "keepalivemysql", n.StartMariaDB(t))
}
