package keepaliveprom_test

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// A peer is one host of the test network, in the peer's namespace: it
// accepts connections and holds them, reading, until the test ends them
// (reset, closeAll) or makes the host vanish (netns CutAddr).
type peer struct {
	addr string
	ln   net.Listener
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns []*net.TCPConn
}

const peerPort = "7000"

// startPeer listens on addr:7000 in the peer's namespace until the test
// ends.
func startPeer(t *testing.T, n *netns.Network, addr string) *peer {
	t.Helper()
	p := &peer{addr: net.JoinHostPort(addr, peerPort)}
	require.NoError(t, netns.In(n.Peer, func() error {
		var err error
		p.ln, err = net.Listen("tcp", p.addr)
		return err
	}))
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := p.ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c.(*net.TCPConn))
			p.mu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				buf := make([]byte, 512)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		p.ln.Close()
		p.closeAll()
		p.wg.Wait()
	})
	return p
}

// reset ends every connection with a RST: SO_LINGER 0, then close.
func (p *peer) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.SetLinger(0)
		c.Close()
	}
}

// closeAll ends every connection with a FIN, as a server that shuts
// down in order does.
func (p *peer) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// count is how many connections the peer accepted.
func (p *peer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// serve serves h on 127.0.0.1 in namespace ns until the test ends, and
// returns its address there.
func serve(t *testing.T, n *netns.Network, ns string, h http.Handler) string {
	t.Helper()
	var ln net.Listener
	require.NoError(t, netns.In(ns, func() error {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		return err
	}))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("metrics server: %v", err)
		}
	})
	return ln.Addr().String()
}
