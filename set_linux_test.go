package keepalive_test

// Set and Get on real sockets: conns that are not TCP, closed or wrapped,
// and Get reading what the kernel holds.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

func TestSetOnConnsThatAreNotTCP(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer udp.Close()
	unixLn, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	require.NoError(t, err)
	defer unixLn.Close()
	unixConn, err := net.Dial("unix", unixLn.Addr().String())
	require.NoError(t, err)
	defer unixConn.Close()
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	unixRaw, err := unixConn.(*net.UnixConn).SyscallConn()
	require.NoError(t, err)

	for _, tt := range []struct {
		name string
		conn net.Conn
	}{
		{"nil", nil},
		{"nil TCPConn", (*net.TCPConn)(nil)},
		{"nil tls.Conn", (*tls.Conn)(nil)},
		{"UDP", udp.(*net.UDPConn)},
		{"Unix", unixConn},
		{"pipe", p1},
		{"unix socket behind a syscall.Conn", rawOnly{p1, unixRaw}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotPanics(t, func() {
				assert.Error(t, keepalive.Set(tt.conn, cfg))
				_, err := keepalive.Get(tt.conn)
				assert.Error(t, err)
			})
		})
	}
	require.NoError(t, unixRaw.Control(func(fd uintptr) {
		on, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
		require.NoError(t, err)
		assert.Zero(t, on, "Set touched a Unix socket")
	}))
}

// rawOnly is a net.Conn that exposes some socket only as a syscall.Conn.
type rawOnly struct {
	net.Conn
	rc syscall.RawConn
}

func (r rawOnly) SyscallConn() (syscall.RawConn, error) { return r.rc, nil }

func TestSetOnClosedConn(t *testing.T) {
	dialed, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, dialed.Close())
	err := keepalive.Set(dialed, cfg)
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = keepalive.Get(dialed)
	assert.ErrorIs(t, err, net.ErrClosed)
}

// netConnOnly hides everything but net.Conn and NetConn, as a wrapper
// type from another library would.
type netConnOnly struct {
	net.Conn
}

func (w netConnOnly) NetConn() net.Conn { return w.Conn }

func TestWrappedConns(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), nil)
	rc, err := accepted.SyscallConn()
	require.NoError(t, err)
	tlsClient, tlsServer := tlsPair(t)
	for _, tt := range []struct {
		name string
		conn net.Conn
		raw  syscall.Conn
	}{
		{"tls.Conn", tlsClient, tlsClient.NetConn().(*net.TCPConn)},
		{"tls.Conn server side", tlsServer, tlsServer.NetConn().(*net.TCPConn)},
		{"NetConn", netConnOnly{netConnOnly{dialed}}, dialed},
		{"syscall.Conn", rawOnly{netConnOnly{nil}, rc}, accepted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, keepalive.Set(tt.conn, cfg))
			assert.Equal(t, ours, readKernel(t, tt.raw))
			st, err := keepalive.Get(tt.conn)
			require.NoError(t, err)
			assert.True(t, st.Enabled)
			assert.Equal(t, keepalive.Config{Idle: ours.Idle, Interval: ours.Interval, Count: ours.Count, UserTimeout: ours.UserTimeout}, st.Config)
		})
	}
}

func TestGetReadsTheKernel(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), &net.Dialer{KeepAlive: -1})
	// Change the socket behind the library's back; Get must see it.
	rc, err := accepted.SyscallConn()
	require.NoError(t, err)
	require.NoError(t, rc.Control(func(fd uintptr) {
		require.NoError(t, unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 123))
		require.NoError(t, unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 4567))
	}))
	st, err := keepalive.Get(accepted)
	require.NoError(t, err)
	k := readKernel(t, accepted)
	assert.Equal(t, keepalive.State{Enabled: k.KeepAlive, Config: keepalive.Config{Idle: 123 * time.Second, Interval: k.Interval, Count: k.Count, UserTimeout: 4567 * time.Millisecond}}, st)

	st, err = keepalive.Get(dialed)
	require.NoError(t, err)
	assert.False(t, st.Enabled)
	assert.Equal(t, time.Duration(sysctl(t, "net.ipv4.tcp_keepalive_time"))*time.Second, st.Config.Idle)
	assert.Equal(t, "off idle=2h0m0s,interval=1m15s,count=9", keepalive.State{Config: keepalive.Config{Idle: 2 * time.Hour, Interval: 75 * time.Second, Count: 9}}.String())
}

// tlsPair returns both ends of a TLS connection over loopback TCP.
func tlsPair(t *testing.T) (client, server *tls.Conn) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	pool := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool.AddCert(leaf)

	dialed, accepted := pair(t, listen(t, nil), nil)
	server = tls.Server(accepted, &tls.Config{Certificates: []tls.Certificate{cert}})
	client = tls.Client(dialed, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	errc := make(chan error, 1)
	go func() { errc <- server.Handshake() }()
	require.NoError(t, client.Handshake())
	require.NoError(t, <-errc)
	return client, server
}
