package netns

import (
	"errors"
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

// StartMariaDB runs a MariaDB server from Debian's mariadb-server
// package in the peer's namespace and returns its address: a data
// directory from mariadb-install-db in a temporary directory, mariadbd as
// the mysql user, and a user "app" without a password, allowed every
// privilege from anywhere. Without the package the test fails under CI
// and skips elsewhere (Missing).
func (n *Network) StartMariaDB(t testing.TB) string {
	t.Helper()
	server, err := exec.LookPath("mariadbd")
	if err != nil {
		server, err = exec.LookPath("/usr/sbin/mariadbd")
	}
	install, ierr := exec.LookPath("mariadb-install-db")
	if err != nil || ierr != nil {
		Missing(t, "mariadbd and mariadb-install-db", "mariadb-server")
		return ""
	}
	dir := serverDir(t, "mysql", "keepalive-mariadb-")
	data := filepath.Join(dir, "data")
	// Every file of the server in dir, its temporary files too: mariadbd
	// (the bootstrap mariadb-install-db runs included) deletes every
	// "#sql*" file in its tmpdir when it starts, so two servers sharing
	// /tmp delete each other's temporary tables ("Could not remove
	// temporary table … Installation of system tables failed!").
	tmp := filepath.Join(dir, "tmp")
	mkdirAs(t, "mysql", tmp)
	asUser(t, "mysql", dir, install, "--no-defaults", "--datadir="+data, "--tmpdir="+tmp,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve")
	initFile := filepath.Join(dir, "init.sql")
	if err := os.WriteFile(initFile, []byte("CREATE USER IF NOT EXISTS 'app'@'%';\nGRANT ALL ON *.* TO 'app'@'%';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := n.Exec(n.Peer, Command{
		Args: []string{server, "--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp, "--bind-address=" + PeerAddr, "--port=3306",
			"--socket=" + filepath.Join(dir, "mysqld.sock"), "--pid-file=" + filepath.Join(dir, "mysqld.pid"),
			"--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M",
			"--skip-innodb-doublewrite", "--innodb-flush-log-at-trx-commit=0", "--init-file=" + initFile},
		User: "mysql",
		Dir:  dir,
		Stop: syscall.SIGKILL, // the data directory goes anyway
	})
	p.ExpectContaining("ready for connections", time.Minute)
	return net.JoinHostPort(PeerAddr, "3306")
}

// serverDir is a temporary directory owned by the user name, removed when
// the test ends.
func serverDir(t testing.TB, name, pattern string) string {
	t.Helper()
	uid, gid := ids(t, name)
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mkdirAs makes the directory dir, owned by the user name.
func mkdirAs(t testing.TB, name, dir string) {
	t.Helper()
	uid, gid := ids(t, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// asUser runs a program to its end as the user name, in dir, with dir as
// its TMPDIR.
func asUser(t testing.TB, name, dir string, args ...string) {
	t.Helper()
	uid, gid := ids(t, name)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", filepath.Base(args[0]), err, out)
	}
}

func ids(t testing.TB, name string) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}
