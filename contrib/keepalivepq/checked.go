package keepalivepq

import (
	"database/sql/driver"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sqlcheck"
)

// Checked returns c with keepalive.Check run on each connection's socket
// whenever database/sql takes the connection from its pool
// (driver.SessionResetter) and puts it back (driver.Validator): a
// connection Check rejects — keep-alive probes or retransmissions
// unanswered, the peer gone, or the server's side closed — is closed
// there, and the query goes on with another connection (database/sql
// tries the pool twice, then dials). lib/pq alone checks nothing on
// checkout (conn.go, ResetSession returns the last error it saw).
//
// Check sends nothing and costs a syscall or two. Only connections this
// package dialed (NewConnector, NewConnectorConfig, or a pq.Connector
// given NewDialer's Dialer) are checked; others pass. The driver
// connection sql.Conn.Raw hands out is then Checked's wrapper, not
// lib/pq's.
func Checked(c driver.Connector) driver.Connector { return sqlcheck.Connector(c, keepalive.Check) }
