package netns

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// Connect listens on listenAddr in the peer's namespace, dials dialAddr
// from the client's with keepalive.NewDialer(keepalive.WithKeepalive(c)),
// and returns both ends of the connection, closed when t ends. The test
// itself holds both sockets: Check and getsockopt run right here.
func (n *Network) Connect(t testing.TB, c keepalive.Config, listenAddr, dialAddr string) (client, peer *net.TCPConn) {
	t.Helper()
	var ln net.Listener
	if err := In(n.Peer, func() (err error) {
		ln, err = net.Listen("tcp", listenAddr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conn net.Conn
	if err := In(n.Client, func() (err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err = keepalive.NewDialer(keepalive.WithKeepalive(c)).DialContext(ctx, "tcp", dialAddr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return Accepted(t, ln, conn)
}

// Accepted accepts from ln the peer of conn, a client dialed to it, and
// closes both when the test ends.
func Accepted(t testing.TB, ln net.Listener, conn net.Conn) (client, peer *net.TCPConn) {
	t.Helper()
	client = conn.(*net.TCPConn)
	t.Cleanup(func() { client.Close() })
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	peer = a.(*net.TCPConn)
	t.Cleanup(func() { peer.Close() })
	return client, peer
}

// Exchange sends a byte from one end of a connection and reads it at
// the other, so that both have seen data.
func Exchange(t testing.TB, from, to net.Conn) {
	t.Helper()
	if _, err := from.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(to, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
}
