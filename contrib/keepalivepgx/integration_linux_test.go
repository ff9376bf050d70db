package keepalivepgx_test

// A real PostgreSQL server in the server's namespace, pgx in the
// client's, the server's host vanishing (the router drops everything).
// Needs root and Debian's postgresql package; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const within = 5 * time.Second

var cfg = keepalive.Within(within)

// connString is the server's, with libpq's keep-alive keys for cfg if
// keys.
func connString(addr string, keys bool) string {
	s := netns.PostgresURL(addr)
	if keys {
		s += netns.LibpqKeys(cfg)
	}
	return s
}

func connect(addr string, with bool) (*pgx.Conn, error) {
	parse := pgx.ParseConfig
	if with {
		parse = func(s string) (*pgx.ConnConfig, error) { return keepalivepgx.ParseConfig(s, keepalive.Config{}) }
	}
	cc, err := parse(connString(addr, with))
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(context.Background(), cc)
}

func pool(addr string, with bool) (*pgxpool.Pool, error) {
	parse := pgxpool.ParseConfig
	if with {
		parse = func(s string) (*pgxpool.Config, error) { return keepalivepgx.ParsePoolConfig(s, keepalive.Config{}) }
	}
	pc, err := parse(connString(addr, with))
	if err != nil {
		return nil, err
	}
	p, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, err
	}
	if err := p.Ping(context.Background()); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// The calls, each played by the test binary in the client's namespace.
// They leave their connections open: the process exits as soon as the
// call returns, and closing a pool whose server vanished takes seconds
// of its own, which are not the call's.
var calls = map[string]netns.CallFunc{
	// pgx alone, given libpq's keys: the server refuses them.
	"trap": func(addr string, _ func()) error {
		c, err := pgx.Connect(context.Background(), connString(addr, true))
		if err == nil {
			c.Close(context.Background())
		}
		return err
	},
}

func init() {
	for _, with := range []bool{true, false} {
		suffix := map[bool]string{true: "", false: "-without"}[with]
		calls["query"+suffix] = func(addr string, inflight func()) error {
			c, err := connect(addr, with)
			if err != nil {
				return err
			}
			inflight()
			_, err = c.Exec(context.Background(), "SELECT pg_sleep(60)")
			return err
		}
		calls["pool-query"+suffix] = func(addr string, inflight func()) error {
			p, err := pool(addr, with)
			if err != nil {
				return err
			}
			inflight()
			_, err = p.Exec(context.Background(), "SELECT pg_sleep(60)")
			return err
		}
		// An idle pooled connection, used after the server's host
		// vanished; idle more than a second, so that the pool pings it
		// before handing it out, as pgxpool does by default.
		calls["pool-idle"+suffix] = func(addr string, inflight func()) error {
			p, err := pool(addr, with)
			if err != nil {
				return err
			}
			inflight()
			netns.WaitForCut()
			time.Sleep(time.Second) // idle more than 1s in any case
			_, err = p.Exec(context.Background(), "SELECT 1")
			return err
		}
	}
}

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	n.StartPostgres(t)
	addr := net.JoinHostPort(netns.PeerAddr, "5432")

	// The trap: pgx alone forwards libpq's keys to the server.
	o, err := n.StartCall(n.Client, "trap", addr).Outcome(30 * time.Second)
	require.NoError(t, err)
	assert.Contains(t, o.Err, `unrecognized configuration parameter "keepalives`)

	start := func(name string) *netns.Process { return n.StartCall(n.Client, name, addr) }
	n.CutAndCheck(t, cfg, within, []netns.Case{
		{Name: "query in flight", With: start("query"), Without: start("query-without"), Gone: netns.ByKeepalive},
		{Name: "pool, query in flight", With: start("pool-query"), Without: start("pool-query-without"), Gone: netns.ByKeepalive},
		{Name: "pool, idle connection", With: start("pool-idle"), Without: start("pool-idle-without"), Gone: netns.ByKeepalive, AfterCut: true, Bound: 2*within + 1500*time.Millisecond},
	})
}
