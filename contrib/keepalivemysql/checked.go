package keepalivemysql

import (
	"database/sql/driver"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sqlcheck"
)

// Checked returns c with keepalive.Check run on each connection's socket
// whenever database/sql takes the connection from its pool
// (driver.SessionResetter) and puts it back (driver.Validator): a
// connection whose peer is gone, or whose server closed its side, is
// closed there, and the query goes on with another connection
// (database/sql tries the pool twice, then dials). A suspect, whose
// keep-alive probes or retransmissions are unanswered (on a lossy path
// most are live), is pinged on checkout (the driver's Ping, under a
// deadline of a few of the connection's own retransmission timeouts)
// and closed only if the ping fails. The driver alone checks on checkout
// only for a close or data waiting on the socket, which a peer that
// vanished does not send (docs/integrations.md#databasesql-libpq-and-go-sql-drivermysql).
//
// Check sends nothing and costs a syscall or two; only a suspect costs
// a round trip. Only connections Configure's dial function dialed are
// checked; others pass. The driver connection sql.Conn.Raw hands out is
// then Checked's wrapper, not the driver's.
func Checked(c driver.Connector) driver.Connector { return sqlcheck.Connector(c, keepalive.Check) }
