package keepalivegrpc

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"

	"github.com/tcpkeepalive/keepalive"
)

// ObserveDials returns the options that dial the client's connections
// as DialOption(cfg, opts...) does, and call onDial once for each
// connection gRPC sets up, with the socket and its State as keepalive.Get
// reads it then: after gRPC has written its own TCP_USER_TIMEOUT (see
// ClientOption), before it sends the HTTP/2 preface. Give them to
// grpc.NewClient with the client's other options and no
// grpc.WithContextDialer of its own.
//
// conn is the *net.TCPConn gRPC reads and writes: onDial may keep it to
// call keepalive.Get on it later, but must not read, write or close it.
// onDial runs on the goroutine that connects, so it should return soon.
// err is Get's error, or, with conn nil, an error saying that gRPC set up
// a connection that these options did not dial (a later
// grpc.WithContextDialer replaced theirs). Why gRPC's stats handler, and
// not a wrapped or duplicated socket: docs/integrations.md#grpc-sockets.
func ObserveDials(cfg keepalive.Config, onDial func(conn net.Conn, st keepalive.State, err error), opts ...keepalive.DialOption) []grpc.DialOption {
	o := &observer{dial: dialer(cfg, opts), onDial: onDial, pending: make(map[connKey]net.Conn)}
	return []grpc.DialOption{grpc.WithContextDialer(o.dialContext), grpc.WithStatsHandler(o)}
}

// errNotDialed is onDial's error for a connection gRPC set up that the
// options' dialer did not dial.
var errNotDialed = errors.New("keepalivegrpc: gRPC set up a connection that ObserveDials' dialer did not dial: a later grpc.WithContextDialer replaced it")

// connKey names a connection by its two ends; gRPC's stats name it so.
type connKey struct{ local, remote string }

func keyOf(local, remote net.Addr) connKey {
	var k connKey
	if local != nil {
		k.local = local.String()
	}
	if remote != nil {
		k.remote = remote.String()
	}
	return k
}

// observer dials, keeps each connection until gRPC's ConnBegin names it,
// and then reports it.
type observer struct {
	dial   func(ctx context.Context, addr string) (net.Conn, error)
	onDial func(net.Conn, keepalive.State, error)

	mu      sync.Mutex
	pending map[connKey]net.Conn // dialed, not yet reported
}

func (o *observer) dialContext(ctx context.Context, addr string) (net.Conn, error) {
	c, err := o.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	// A connection gRPC closed before setting it up (a failed TLS
	// handshake) is never named: drop such ones here, so none is kept.
	for k, pc := range o.pending {
		if closed(pc) {
			delete(o.pending, k)
		}
	}
	o.pending[keyOf(c.LocalAddr(), c.RemoteAddr())] = c
	return c, nil
}

// closed reports whether c has been closed, without a system call.
func closed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err == nil {
		err = rc.Control(func(uintptr) {})
	}
	return errors.Is(err, net.ErrClosed)
}

type connKeyContext struct{}

// TagConn keeps the connection's addresses for HandleConn.
func (o *observer) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return context.WithValue(ctx, connKeyContext{}, keyOf(info.LocalAddr, info.RemoteAddr))
}

// HandleConn reports the connection gRPC has just set up.
func (o *observer) HandleConn(ctx context.Context, s stats.ConnStats) {
	if b, ok := s.(*stats.ConnBegin); !ok || !b.IsClient() {
		return
	}
	k, _ := ctx.Value(connKeyContext{}).(connKey)
	o.mu.Lock()
	c, ok := o.pending[k]
	delete(o.pending, k)
	o.mu.Unlock()
	if !ok {
		o.onDial(nil, keepalive.State{}, errNotDialed)
		return
	}
	st, err := keepalive.Get(c)
	o.onDial(c, st, err)
}

func (o *observer) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (o *observer) HandleRPC(context.Context, stats.RPCStats)                       {}
