package keepalivepgx

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive"
)

// CheckBeforeAcquire makes the pool check each connection with
// keepalive.Check before it hands it out, in place of pgxpool's ping:
//   - a connection Check rejects (keep-alive probes or retransmissions
//     unanswered, the peer gone, its side closed) is destroyed before any
//     ping, without a round trip, and the pool takes another one or dials;
//   - a connection Check passes is handed out without a ping, unless
//     pc.ShouldPing, if set, asks for one: pgxpool's default, a ping
//     for every connection idle more than a second, is dropped, since
//     Check sees, without a round trip, what that ping sees within one
//     (a reset or a closed side); neither sees a host that vanished less
//     than one keep-alive probe ago;
//   - where Check cannot tell (a Unix-socket connection; a live
//     connection on a system other than Linux, where Check sees only
//     the socket's pending error, not a FIN), the pool pings as it would
//     without the hook.
//
// It wraps pc.ShouldPing and pc.PrepareConn (or the deprecated
// BeforeAcquire, which PrepareConn replaces), which still run for the
// connections Check passes; set them before calling it. On Linux Check
// is one getsockopt (TCP_INFO). What the hook saves, measured against a
// real server: docs/integrations.md#pgxpool-check.
func CheckBeforeAcquire(pc *pgxpool.Config) {
	shouldPing := pc.ShouldPing
	pc.ShouldPing = func(ctx context.Context, p pgxpool.ShouldPingParams) bool {
		switch check(p.Conn) {
		case rejected:
			return false // PrepareConn destroys it
		case unknown:
			if shouldPing == nil {
				return p.IdleDuration > defaultPingIdle
			}
		}
		return shouldPing != nil && shouldPing(ctx, p)
	}
	prepare := pc.PrepareConn
	//lint:ignore SA1019 a user's BeforeAcquire keeps working, as pgxpool runs it when PrepareConn is nil
	if before := pc.BeforeAcquire; prepare == nil && before != nil {
		prepare = func(ctx context.Context, c *pgx.Conn) (bool, error) { return before(ctx, c), nil }
	}
	pc.PrepareConn = func(ctx context.Context, c *pgx.Conn) (bool, error) {
		if check(c) == rejected {
			return false, nil // destroyed; the pool tries another
		}
		if prepare == nil {
			return true, nil
		}
		return prepare(ctx, c)
	}
}

// defaultPingIdle is pgxpool's own ShouldPing threshold (v5.12,
// pgxpool/pool.go NewWithConfig).
const defaultPingIdle = time.Second

// seesAll is true where Check reads the kernel's TCP state, and so sees
// a FIN or a reset before a ping would; elsewhere it sees only the
// socket's pending error.
const seesAll = runtime.GOOS == "linux" || runtime.GOOS == "android"

type verdict int

const (
	healthy verdict = iota
	rejected
	unknown
)

// check is what keepalive.Check says of c's connection.
func check(c *pgx.Conn) verdict {
	if c == nil || c.PgConn() == nil {
		return unknown
	}
	if c.IsClosed() {
		return rejected
	}
	err := keepalive.Check(c.PgConn().Conn())
	switch {
	case err == nil && seesAll:
		return healthy
	case err == nil:
		return unknown
	case errors.Is(err, keepalive.ErrUnanswered), keepalive.IsPeerGone(err),
		errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return rejected
	}
	return unknown
}
