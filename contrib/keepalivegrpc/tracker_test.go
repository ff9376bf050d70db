package keepalivegrpc_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc"
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

// TestTracker: keepalive.WithTracker given to DialOption or ObserveDials
// tracks the connection a gRPC client dials, with its peer, while an RPC
// goes over it (a real gRPC server on loopback).
func TestTracker(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts func(tr *keepalive.Tracker) []grpc.DialOption
	}{
		{"DialOption", func(tr *keepalive.Tracker) []grpc.DialOption {
			return []grpc.DialOption{keepalivegrpc.DialOption(withUserTimeout, keepalive.WithTracker(tr))}
		}},
		{"ObserveDials", func(tr *keepalive.Tracker) []grpc.DialOption {
			return keepalivegrpc.ObserveDials(withUserTimeout, func(net.Conn, keepalive.State, error) {}, keepalive.WithTracker(tr))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			serve(t, ln)
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			check(t, ln.Addr().String(), func() {
				tracktest.Live(t, tr, ln.Addr(), withUserTimeout.Timeout())
			}, tt.opts(tr)...)
		})
	}
}
