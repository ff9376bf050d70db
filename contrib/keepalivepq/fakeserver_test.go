package keepalivepq_test

import (
	"bufio"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
)

// fakeServer is just enough of a PostgreSQL server on loopback for lib/pq
// to connect: it records the run-time parameters of each startup message
// and lets the client in without a password.
type fakeServer struct {
	ln     net.Listener
	mu     sync.Mutex
	params []map[string]string
	wg     sync.WaitGroup
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return serveFake(t, ln)
}

func serveFake(t *testing.T, ln net.Listener) *fakeServer {
	t.Helper()
	s := &fakeServer{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *fakeServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(c)
		}()
	}
}

func (s *fakeServer) session(c net.Conn) {
	r := bufio.NewReader(c)
	var n uint32
	if binary.Read(r, binary.BigEndian, &n) != nil || n < 8 || n > 1<<16 {
		return
	}
	msg := make([]byte, n-4)
	if _, err := io.ReadFull(r, msg); err != nil {
		return
	}
	params := map[string]string{}
	fields := strings.Split(string(msg[4:]), "\x00")
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] != "" {
			params[fields[i]] = fields[i+1]
		}
	}
	s.mu.Lock()
	s.params = append(s.params, params)
	s.mu.Unlock()
	// AuthenticationOk, ReadyForQuery (idle).
	c.Write([]byte{'R', 0, 0, 0, 8, 0, 0, 0, 0, 'Z', 0, 0, 0, 5, 'I'})
	io.Copy(io.Discard, r) // until the client's Terminate and close
}

// last returns the run-time parameters of the last startup message.
func (s *fakeServer) last() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.params) == 0 {
		return nil
	}
	return s.params[len(s.params)-1]
}

func (s *fakeServer) dsn(keys string) string {
	host, port, _ := net.SplitHostPort(s.ln.Addr().String())
	return "host=" + host + " port=" + port + " user=app dbname=app sslmode=disable application_name=x " + keys
}

// connect connects c to the fake server and returns what the kernel
// holds for the client's socket.
func connect(t *testing.T, c driver.Connector) keepalive.State {
	t.Helper()
	var conns []net.Conn
	var mu sync.Mutex
	defer keepalivepq.SetDialed(func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	})()
	dc, err := c.Connect(context.Background())
	require.NoError(t, err)
	defer dc.Close()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, conns, 1)
	st, err := keepalive.Get(conns[0])
	require.NoError(t, err)
	return st
}
