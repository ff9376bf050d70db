package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// StartPostgres runs a PostgreSQL server from Debian's postgresql
// package in the peer's namespace and returns its address: initdb into a
// temporary directory and postgres, both as the postgres user
// (PostgreSQL refuses root), user postgres trusted from the client's
// network and from the router (a Middlebox's address). Without the package the test fails under CI and skips
// elsewhere (Missing).
func (n *Network) StartPostgres(t testing.TB) string {
	t.Helper()
	addr, _ := n.StartRestartablePostgres(t)
	return addr
}

// StartRestartablePostgres is StartPostgres, also returning a function
// that restarts the server: an immediate shutdown, every connection's
// backend gone, and a new postmaster on the same data.
func (n *Network) StartRestartablePostgres(t testing.TB) (addr string, restart func()) {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(found) == 0 {
		Missing(t, "/usr/lib/postgresql/*/bin/postgres", "postgresql")
		return "", func() {}
	}
	sort.Strings(found)
	bin := filepath.Dir(found[len(found)-1])
	dir := serverDir(t, "postgres", "keepalive-pg-")
	data := filepath.Join(dir, "data")
	asUser(t, "postgres", dir, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	hba, err := os.OpenFile(filepath.Join(data, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		// The client's network, and the router's address on the peer's
		// side, which a Middlebox masquerades the client as.
		_, err = fmt.Fprintf(hba, "host all all %s/24 trust\nhost all all %s/32 trust\n", ClientAddr, routerP)
		if cerr := hba.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	start := func() *Process {
		p := n.Exec(n.Peer, Command{
			Args: []string{filepath.Join(bin, "postgres"), "-D", data, "-h", PeerAddr, "-p", "5432", "-k", dir,
				"-c", "fsync=off", "-c", "shared_buffers=16MB", "-c", "max_connections=20"},
			User: "postgres",
			Dir:  dir,
			Stop: syscall.SIGQUIT, // immediate shutdown: the data directory goes anyway
		})
		p.ExpectContaining("database system is ready to accept connections", time.Minute)
		return p
	}
	p := start()
	return net.JoinHostPort(PeerAddr, "5432"), func() {
		t.Helper()
		if err := p.Signal(syscall.SIGQUIT); err != nil {
			t.Fatal(err)
		}
		p.ExpectContaining("database system is shut down", time.Minute)
		// Its output ends when the postmaster and every backend exited.
		if _, err := p.Wait("\x00", time.Minute); errors.Is(err, ErrNoLine) {
			t.Fatal("postgres did not exit after its shutdown")
		}
		p = start()
	}
}

// PostgresURL is the connection URL of a server StartPostgres started at
// addr, as user postgres, without TLS.
func PostgresURL(addr string) string {
	return "postgres://postgres@" + addr + "/postgres?sslmode=disable"
}

// LibpqKeys are libpq's keep-alive keys for c, to append to a
// PostgresURL: "&keepalives=1&keepalives_idle=…".
func LibpqKeys(c keepalive.Config) string {
	return fmt.Sprintf("&keepalives=1&keepalives_idle=%d&keepalives_interval=%d&keepalives_count=%d&tcp_user_timeout=%d",
		c.Idle/time.Second, c.Interval/time.Second, c.Count, c.UserTimeout/time.Millisecond)
}
