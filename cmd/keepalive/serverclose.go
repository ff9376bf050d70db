package main

import (
	"fmt"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A server that speaks a protocol of its own closes a connection on
// which the client says nothing, or says what it cannot parse, and
// -hold would blame the path for it. Databases do so soon after connect:
// MariaDB and MySQL after connect_timeout (10s by default) without a
// login, PostgreSQL after authentication_timeout (60s) without a startup
// packet, and at once on -ping's byte, which is no startup packet.
// A middlebox forgets an idle flow later: RFC 5382 (REQ-5) asks NATs for
// at least 2h4m, and the load balancers' and NAT gateways' own timeouts
// are minutes (350s on AWS, 4 minutes at least on Azure).
const (
	// soonAfterConnect: a close by the peer this soon after connect is
	// taken for the server's.
	soonAfterConnect = 2 * time.Minute
	// afterPing: a close by the peer this soon after -ping's byte is
	// taken for the server's answer to it.
	afterPing = time.Second
)

// closedByPeer reports whether err is the peer's FIN or RST (or an
// abort, which the library counts with the resets).
func closedByPeer(err error) bool {
	c, ok := keepalive.GoneCause(err)
	return ok && (c == keepalive.CauseEOF || c == keepalive.CauseReset)
}

// serverClose says why a connection that ended with err looks closed by
// the server itself rather than by the path, or "" when it does not: err
// is the peer's FIN or RST, within soonAfterConnect of connect (held).
// The words say what points at the server: a byte -ping sent within
// afterPing before (sinceSent, when sent > 0), or data the server sent
// first (received > 0).
func serverClose(err error, held, sinceSent time.Duration, sent, received int) string {
	if !closedByPeer(err) || held > soonAfterConnect {
		return ""
	}
	const check = "hold it against keepalive -listen to test the path"
	switch {
	case sent > 0 && sinceSent <= afterPing:
		return fmt.Sprintf("most likely the server's own close, %v after -ping's byte: a server with a protocol of its own (a database, Redis) closes on bytes it cannot parse; hold without -ping, or %s",
			sinceSent.Round(time.Microsecond), check)
	case received > 0:
		return fmt.Sprintf("most likely the server's own close, %v after connect: it spoke first (%d bytes, a greeting as MySQL and MariaDB send) and waited for a login that did not come (MariaDB's connect_timeout: 10s); %s",
			held.Round(time.Millisecond), received, check)
	}
	return fmt.Sprintf("most likely the server's own close, %v after connect: sooner than middleboxes forget a flow (minutes), as a database does that waits for a login (PostgreSQL's authentication_timeout: 60s); %s",
		held.Round(time.Millisecond), check)
}
