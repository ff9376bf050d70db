package keepalivegrpc

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestInvalidConfigFailsEachDial: DialOption and ObserveDials take an
// invalid Config without an error, and each dial of theirs fails with its
// *keepalive.ConfigError, connecting nothing: the error of the dialer
// they install, and, through gRPC (which keeps only its text), the RPC's
// Unavailable status. ObserveDials reports no connection.
func TestInvalidConfigFailsEachDial(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   keepalive.Config
		field string
	}{
		{"negative Idle", keepalive.Config{Idle: -2 * time.Second}, "Idle"},
		{"Count out of range", keepalive.Config{Count: 500}, "Count"},
	} {
		for _, api := range []struct {
			name string
			// options returns the gRPC options and the dial function
			// they hand to grpc.WithContextDialer.
			options func(cfg keepalive.Config, onDial func(net.Conn, keepalive.State, error)) ([]grpc.DialOption, func(context.Context, string) (net.Conn, error))
		}{
			{"DialOption", func(cfg keepalive.Config, _ func(net.Conn, keepalive.State, error)) ([]grpc.DialOption, func(context.Context, string) (net.Conn, error)) {
				return []grpc.DialOption{DialOption(cfg)}, dialer(cfg, nil)
			}},
			{"ObserveDials", func(cfg keepalive.Config, onDial func(net.Conn, keepalive.State, error)) ([]grpc.DialOption, func(context.Context, string) (net.Conn, error)) {
				o := &observer{dial: dialer(cfg, nil), onDial: onDial, pending: make(map[connKey]net.Conn)}
				return ObserveDials(cfg, onDial), o.dialContext
			}},
		} {
			t.Run(tt.name+"/"+api.name, func(t *testing.T) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				defer ln.Close()
				reported := 0
				opts, dial := api.options(tt.cfg, func(net.Conn, keepalive.State, error) { reported++ })

				_, err = dial(context.Background(), ln.Addr().String())
				var ce *keepalive.ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.field, ce.Field)
				sockettest.NothingDialed(t, ln)

				conn, err := grpc.NewClient("passthrough:///"+ln.Addr().String(), append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
				require.NoError(t, err, "the invalid Config is no error before a dial")
				defer conn.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
				assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
				assert.Contains(t, status.Convert(err).Message(), ce.Error(), "gRPC keeps the ConfigError's text")
				sockettest.NothingDialed(t, ln)
				assert.Zero(t, reported, "no connection reported")
			})
		}
	}
}
