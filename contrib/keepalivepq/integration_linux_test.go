package keepalivepq_test

// A real PostgreSQL server in the server's namespace, database/sql with
// lib/pq in the client's, the server's host vanishing (the router drops
// everything). Needs root and Debian's postgresql package; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"database/sql"
	"fmt"
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
	s := "postgres://postgres@" + addr + "/postgres?sslmode=disable"
	if keys {
		s += fmt.Sprintf("&keepalives=1&keepalives_idle=%d&keepalives_interval=%d&keepalives_count=%d&tcp_user_timeout=%d",
			cfg.Idle/time.Second, cfg.Interval/time.Second, cfg.Count, cfg.UserTimeout/time.Millisecond)
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
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		return nil, err
	}
	if with {
		if err := dials.Holds(cfg); err != nil {
			return nil, err
		}
	}
	return db, nil
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

func init() {
	for _, with := range []bool{true, false} {
		suffix := map[bool]string{true: "", false: "-without"}[with]
		// The keys in the connection string.
		calls["query"+suffix] = func(addr string, inflight func()) error {
			db, err := open(addr, with, true)
			if err != nil {
				return err
			}
			inflight()
			_, err = db.Exec("SELECT pg_sleep(60)")
			return err
		}
		// A Config in code; a connection idle in the pool, used after
		// the server's host vanished.
		calls["pool-idle"+suffix] = func(addr string, inflight func()) error {
			db, err := open(addr, with, false)
			if err != nil {
				return err
			}
			inflight()
			netns.WaitForCut()
			time.Sleep(time.Second)
			_, err = db.ExecContext(context.Background(), "SELECT 1")
			return err
		}
	}
}

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := n.StartPostgres(t)

	// The trap: lib/pq alone forwards libpq's keys to the server.
	o, err := n.StartCall(n.Client, "trap", addr).Outcome(30 * time.Second)
	require.NoError(t, err)
	assert.Contains(t, o.Err, `unrecognized configuration parameter "keepalives`)

	start := func(name string) *netns.Process { return n.StartCall(n.Client, name, addr) }
	n.CutAndCheck(t, cfg, within, []netns.Case{
		{Name: "query in flight", With: start("query"), Without: start("query-without"), Gone: netns.ByKeepalive},
		{Name: "pool, idle connection", With: start("pool-idle"), Without: start("pool-idle-without"), Gone: netns.ByKeepalive, AfterCut: true, Bound: 2*within + 1500*time.Millisecond},
	})
}
