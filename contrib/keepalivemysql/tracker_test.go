package keepalivemysql_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivemysql"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

// fakeServer is just enough of a MySQL server on loopback for the driver
// to connect (protocol 4.1 handshake, mysql_native_password, any user)
// and to have each command it sends answered with OK.
func fakeServer(t *testing.T) net.Addr {
	t.Helper()
	addr, err := net.ResolveTCPAddr("tcp", sockettest.Serve(t, fakeSession))
	require.NoError(t, err)
	return addr
}

func fakeSession(c net.Conn) {
	write := func(seq byte, payload []byte) error {
		h := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), seq}
		_, err := c.Write(append(h, payload...))
		return err
	}
	r := bufio.NewReader(c)
	read := func() (seq byte, payload []byte, err error) {
		var h [4]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return 0, nil, err
		}
		payload = make([]byte, int(h[0])|int(h[1])<<8|int(h[2])<<16)
		_, err = io.ReadFull(r, payload)
		return h[3], payload, err
	}
	const (
		protocol41 = 0x0200
		secureConn = 0x8000
		longPass   = 0x0001
		pluginAuth = 0x0008 // upper half: CLIENT_PLUGIN_AUTH
	)
	g := []byte{10}
	g = append(g, "5.7.0-fake\x00"...)
	g = binary.LittleEndian.AppendUint32(g, 1) // connection id
	g = append(g, "abcdefgh"...)               // scramble, first part
	g = append(g, 0)                           // filler
	g = binary.LittleEndian.AppendUint16(g, protocol41|secureConn|longPass)
	g = append(g, 33)                          // utf8_general_ci
	g = binary.LittleEndian.AppendUint16(g, 2) // autocommit
	g = binary.LittleEndian.AppendUint16(g, pluginAuth)
	g = append(g, 21)                    // scramble length
	g = append(g, make([]byte, 10)...)   // reserved
	g = append(g, "ijklmnopqrst\x00"...) // scramble, second part
	g = append(g, "mysql_native_password\x00"...)
	ok := []byte{0, 0, 0, 2, 0, 0, 0} // OK: no rows, no id, autocommit, no warnings
	if write(0, g) != nil {
		return
	}
	for {
		seq, p, err := read()
		if err != nil || (len(p) == 1 && p[0] == 1) { // COM_QUIT
			return
		}
		if write(seq+1, ok) != nil {
			return
		}
	}
}

// TestTracker: keepalive.WithTracker given to NewConnector tracks the
// connections the driver dials, with their peer, and Checked's pool
// checks are counted for them.
func TestTracker(t *testing.T) {
	addr := fakeServer(t)
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	cfg := keepalive.Within(20 * time.Second)
	c, err := keepalivemysql.NewConnector("app@tcp("+addr.String()+")/app?timeout=2s", cfg, keepalive.WithTracker(tr))
	require.NoError(t, err)
	db := sql.OpenDB(keepalivemysql.Checked(c))
	defer db.Close()

	ctx := context.Background()
	for range 2 { // dialed, then taken from the pool and checked
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		require.NoError(t, conn.PingContext(ctx))
		require.NoError(t, conn.Close())
	}
	tracktest.Kept(t, tr, addr, cfg.Timeout())

	// A DialFunc of the caller's own cannot take dial options.
	mc := parse(t, "app@tcp("+addr.String()+")/app")
	mc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	assert.ErrorContains(t, keepalivemysql.Configure(mc, cfg, keepalive.WithTracker(tr)), "cannot give dial options")
	assert.NoError(t, keepalivemysql.Configure(mc, cfg), "c is left as it was, not marked configured")
}
