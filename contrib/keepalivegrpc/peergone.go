package keepalivegrpc

import (
	"errors"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// IsPeerGone reports whether err, an RPC's error, comes from a connection
// whose peer is gone: keepalive.IsPeerGone, or a gRPC status with code
// Unavailable whose message carries one of the errors it recognises.
//
// gRPC (v1.85) turns a transport's error into a status — "rpc error:
// code = Unavailable desc = error reading from server: connection timed
// out" — that keeps the error's text but not the error: errors.Is cannot
// find the errno through it, so the text is all there is to go on.
func IsPeerGone(err error) bool {
	if keepalive.IsPeerGone(err) {
		return true
	}
	var se interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &se) {
		return false
	}
	st := se.GRPCStatus()
	if st.Code() != codes.Unavailable {
		return false
	}
	for _, gone := range kernel.PeerGone { // the errors keepalive.IsPeerGone recognises
		if strings.HasSuffix(st.Message(), gone.Err.Error()) {
			return true
		}
	}
	return false
}
