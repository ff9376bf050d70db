package keepalivepgx

import (
	"context"
	"net"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive/internal/suspect"
)

// CheckBeforeAcquire makes the pool check each connection with
// keepalive.Check before it hands it out, and ping only the connections
// Check suspects, in place of pgxpool's ping of every connection idle
// more than a second:
//   - a connection Check passes is handed out without a ping (unless
//     pc.ShouldPing, if set, asks for one);
//   - a suspect (keep-alive probes or retransmissions unanswered; on a
//     lossy path most are live) is pinged, within a few of its own
//     retransmission timeouts, and destroyed only if the ping fails;
//   - a connection whose peer is gone (reset, timed out, closed its
//     side) is destroyed without a round trip, and the pool dials;
//   - where Check cannot tell (a Unix socket; not Linux) the pool pings
//     as it would without the hook.
//
// It wraps pc.ShouldPing and pc.PrepareConn (or the deprecated
// BeforeAcquire), which still run; set them before calling it. Measured:
// docs/integrations.md#pgxpool-check, docs/measurements.md.
func CheckBeforeAcquire(pc *pgxpool.Config) {
	shouldPing := pc.ShouldPing
	pc.ShouldPing = func(ctx context.Context, p pgxpool.ShouldPingParams) bool {
		if shouldPing != nil {
			return shouldPing(ctx, p)
		}
		// pgxpool's own default where Check cannot tell.
		return !checkable(p.Conn) && p.IdleDuration > defaultPingIdle
	}
	prepare := pc.PrepareConn
	//lint:ignore SA1019 a user's BeforeAcquire keeps working, as pgxpool runs it when PrepareConn is nil
	if before := pc.BeforeAcquire; prepare == nil && before != nil {
		prepare = func(ctx context.Context, c *pgx.Conn) (bool, error) { return before(ctx, c), nil }
	}
	pc.PrepareConn = func(ctx context.Context, c *pgx.Conn) (bool, error) {
		if keep, _ := admit(ctx, c); !keep {
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
// a FIN, a reset or an unanswered probe before a ping would; elsewhere
// it sees only the socket's pending error.
const seesAll = runtime.GOOS == "linux" || runtime.GOOS == "android"

// checkable reports whether Check judges c's connection: TCP, on a
// system where Check reads the TCP state.
func checkable(c *pgx.Conn) bool {
	if !seesAll || c == nil || c.PgConn() == nil {
		return false
	}
	_, tcp := c.PgConn().Conn().LocalAddr().(*net.TCPAddr)
	return tcp
}

// admit decides whether the pool hands c out at checkout, and why: it
// is the pool's whole decision, in one place. A suspect costs a ping
// within suspect.Patience; nothing else sends anything. It runs after
// any ping ShouldPing asked for, so Check takes a socket's pending error
// only here.
func admit(ctx context.Context, c *pgx.Conn) (keep bool, cause suspect.Verdict) {
	if c == nil || c.PgConn() == nil {
		return true, suspect.Unknown
	}
	if c.IsClosed() {
		return false, suspect.Gone
	}
	conn := c.PgConn().Conn()
	v, err := suspect.Judge(conn)
	switch v {
	case suspect.Gone:
		suspect.Report(conn, false, v, err)
		return false, v
	case suspect.Suspect:
		// A deadline on the connection, not on ctx: at ctx's deadline
		// pgconn would dial the server to cancel and then wait for the
		// dead connection to close, holding the pool's slot.
		if derr := conn.SetDeadline(time.Now().Add(suspect.Patience(conn))); derr != nil {
			suspect.Report(conn, false, v, suspect.Unconfirmed(err, derr))
			return false, v
		}
		if perr := c.Ping(ctx); perr != nil {
			// Reported before pgconn's own close of the connection,
			// which first dials the server to cancel.
			suspect.Report(conn, false, v, suspect.Unconfirmed(err, perr))
			conn.Close() // so that pgconn's Close does not wait on it
			return false, v
		}
		keep = conn.SetDeadline(time.Time{}) == nil // confirmed
		suspect.Report(conn, keep, v, err)
		return keep, v
	}
	suspect.Report(conn, true, v, nil)
	return true, v
}
