package libpqcases_test

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/libpqkeys/libpqcases"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestLibpqParity gives each of the Cases to libpq itself (psql, from
// Debian's postgresql-client) and checks that libpq does what the case
// says: connects, refuses the value ("invalid integer value"), or has the
// kernel refuse what it sets ("setsockopt(TCP_KEEPIDLE) failed"). psql
// connects to a loopback listener that reads the startup packet and
// closes the connection: libpq reads and sets the keys before it
// connects, so reaching the listener means it took them.
func TestLibpqParity(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		netns.Missing(t, "psql", "postgresql-client")
	}
	addr := sockettest.Serve(t, func(c net.Conn) {
		// Read the startup packet first, so that the close is a FIN,
		// not a reset for unread data.
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 1024))
	})
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()

	for _, tc := range libpqcases.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(psql, "-X", "-w", "-c", "", "host=127.0.0.1 port="+port+" user=app dbname=app sslmode=disable gssencmode=disable connect_timeout=5 "+tc.Conn)
			// No PG* variables, service files or password files of the
			// machine's.
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "PGSYSCONFDIR=" + dir, "LC_ALL=C"}
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "psql: %v: %s", err, out)
			got := libpqcases.OK // it reached the listener, which closed the connection
			switch s := string(out); {
			case strings.Contains(s, "invalid integer value"):
				got = libpqcases.Invalid
			case strings.Contains(s, "setsockopt("):
				got = libpqcases.Setsockopt
			case !strings.Contains(s, "server closed the connection unexpectedly") && !strings.Contains(s, "reset by peer"):
				t.Fatalf("psql: %s", s)
			}
			assert.Equal(t, tc.Libpq, got, "libpq: %s", out)
		})
	}
}
