package keepalivepq_test

// A real PostgreSQL server in the server's namespace, database/sql with
// lib/pq in the client's, the server's host vanishing (the router drops
// everything). Needs root and Debian's postgresql package; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"database/sql"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const within = 5 * time.Second

var cfg = keepalive.Within(within)

// dsn is the server's, with libpq's keep-alive keys for cfg if keys.
func dsn(addr string, keys bool) string {
	s := netns.PostgresURL(addr)
	if keys {
		s += netns.LibpqKeys(cfg)
	}
	return s
}

// open opens a database/sql pool on addr and makes one connection:
// through keepalivepq (with cfg in the connection string if keys, else
// given in code) or, without, lib/pq alone. With, it checks that the
// socket holds cfg once lib/pq is done with it.
func open(addr string, with, keys bool) (*sql.DB, error) {
	var c *pq.Connector
	var err error
	var dials netns.Dials
	if with {
		keepalivepq.SetDialed(dials.Add)
		given := cfg
		if keys {
			given = keepalive.Config{}
		}
		c, err = keepalivepq.NewConnector(dsn(addr, keys), given)
	} else {
		c, err = pq.NewConnector(dsn(addr, false))
	}
	if err != nil {
		return nil, err
	}
	if with {
		return netns.OpenSQL(c, &dials, &cfg)
	}
	return netns.OpenSQL(c, &dials, nil)
}

// The calls, each played by the test binary in the client's namespace.
// They leave their pools open: the process exits as soon as the call
// returns.
var calls = map[string]netns.CallFunc{
	// lib/pq alone, given libpq's keys: the server refuses them.
	"trap": func(addr string, _ func()) error {
		db, err := sql.Open("postgres", dsn(addr, true))
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Ping()
	},
}

func init() { netns.SQLCalls(calls, "SELECT pg_sleep(60)", open) }

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := n.StartPostgres(t)

	// The trap: lib/pq alone forwards libpq's keys to the server.
	o, err := n.StartCall(n.Client, "trap", addr).Outcome(30 * time.Second)
	require.NoError(t, err)
	assert.Contains(t, o.Err, `unrecognized configuration parameter "keepalives`)

	n.CutAndCheck(t, cfg, within, n.SQLCases(addr, within, netns.ByKeepalive))
}
