package suspect_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/suspect"
)

func pair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	server, err = ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// TestJudge: a live connection is healthy, one whose peer closed or
// reset it is gone, a closed one is gone; Check's readings come from the
// kernel, on real sockets.
func TestJudge(t *testing.T) {
	c, s := pair(t)
	v, err := suspect.Judge(c)
	require.NoError(t, err)
	assert.Equal(t, suspect.Healthy, v)

	s.Close() // FIN
	require.Eventually(t, func() bool { v, _ := suspect.Judge(c); return v == suspect.Gone }, 2*time.Second, 5*time.Millisecond)

	c2, s2 := pair(t)
	s2.(*net.TCPConn).SetLinger(0)
	s2.Close() // RST
	require.Eventually(t, func() bool { v, _ := suspect.Judge(c2); return v == suspect.Gone }, 2*time.Second, 5*time.Millisecond)

	c3, _ := pair(t)
	c3.Close()
	v, err = suspect.Judge(c3)
	assert.Equal(t, suspect.Gone, v)
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.Equal(t, "gone", v.String())
}

// TestPatience: on loopback, the kernel's RTO is its 200ms minimum, so
// Patience is about 4 RTOs; without readings (a closed conn) it is
// MaxPatience.
func TestPatience(t *testing.T) {
	c, s := pair(t)
	_, err := c.Write([]byte("x")) // a round trip measured
	require.NoError(t, err)
	buf := make([]byte, 1)
	_, err = s.Read(buf)
	require.NoError(t, err)
	p := suspect.Patience(c)
	assert.GreaterOrEqual(t, p, 800*time.Millisecond)
	assert.Less(t, p, suspect.MaxPatience)
	c.Close()
	assert.Equal(t, suspect.MaxPatience, suspect.Patience(c))
}
