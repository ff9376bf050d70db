package netns

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

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
