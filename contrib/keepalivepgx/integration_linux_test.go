package keepalivepgx_test

// A real PostgreSQL server in the server's namespace, pgx in the
// client's, the server's host vanishing (the router drops everything).
// Needs root and Debian's postgresql package; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
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
	s := "postgres://postgres@" + addr + "/postgres?sslmode=disable"
	if keys {
		s += fmt.Sprintf("&keepalives=1&keepalives_idle=%d&keepalives_interval=%d&keepalives_count=%d&tcp_user_timeout=%d",
			cfg.Idle/time.Second, cfg.Interval/time.Second, cfg.Count, cfg.UserTimeout/time.Millisecond)
	}
	return s
}

func connect(addr string, with bool) (*pgx.Conn, error) {
	parse := pgx.ParseConfig
	if with {
		parse = keepalivepgx.ParseConfig
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
		parse = keepalivepgx.ParsePoolConfig
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

// startPostgres runs a PostgreSQL server from Debian's postgresql
// package in the server's namespace: initdb into a temporary directory
// and postgres, both as the postgres user (PostgreSQL refuses root). It
// returns a function that restarts the server: an immediate shutdown,
// every connection's backend gone, and a new postmaster on the same data.
func startPostgres(t *testing.T, n *netns.Network) (restart func()) {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	u, err := user.Lookup("postgres")
	if len(found) == 0 || err != nil {
		netns.Missing(t, "/usr/lib/postgresql/*/bin/postgres", "postgresql")
	}
	sort.Strings(found)
	bin := filepath.Dir(found[len(found)-1])
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	dir, err := os.MkdirTemp("", "keepalivepgx-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chown(dir, uid, gid))
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := initdb.CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)
	hba, err := os.OpenFile(filepath.Join(data, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(hba, "host all all %s/24 trust\n", netns.ClientAddr)
	require.NoError(t, err)
	require.NoError(t, hba.Close())

	start := func() *netns.Process {
		p := n.Exec(n.Peer, netns.Command{
			Args: []string{filepath.Join(bin, "postgres"), "-D", data, "-h", netns.PeerAddr, "-p", "5432", "-k", dir,
				"-c", "fsync=off", "-c", "shared_buffers=16MB", "-c", "max_connections=20"},
			User: "postgres",
			Dir:  dir,
			Stop: syscall.SIGQUIT, // immediate shutdown: the data directory goes anyway
		})
		p.ExpectContaining("database system is ready to accept connections", time.Minute)
		return p
	}
	p := start()
	return func() {
		t.Helper()
		require.NoError(t, p.Signal(syscall.SIGQUIT))
		p.ExpectContaining("database system is shut down", time.Minute)
		// Its output ends when the postmaster and every backend exited.
		_, err := p.Wait("\x00", time.Minute)
		require.NotErrorIs(t, err, netns.ErrNoLine)
		p = start()
	}
}

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	startPostgres(t, n)
	addr := net.JoinHostPort(netns.PeerAddr, "5432")

	// The trap: pgx alone forwards libpq's keys to the server.
	o, err := n.StartCall(n.Client, "trap", addr).Outcome(30 * time.Second)
	require.NoError(t, err)
	assert.Contains(t, o.Err, `unrecognized configuration parameter "keepalives`)

	start := func(name string) *netns.Process { return n.StartCall(n.Client, name, addr) }
	n.CutAndCheck(t, cfg, within, []netns.Case{
		{Name: "query in flight", With: start("query"), Without: start("query-without"), Gone: "keepalive"},
		{Name: "pool, query in flight", With: start("pool-query"), Without: start("pool-query-without"), Gone: "keepalive"},
		{Name: "pool, idle connection", With: start("pool-idle"), Without: start("pool-idle-without"), Gone: "keepalive", AfterCut: true, Bound: 2*within + 1500*time.Millisecond},
	})
}
