package netns

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// QueryAfterUnanswered is the body of a Call on a database/sql pool of
// one connection, conn, idle while the path to its server loses it (a
// Middlebox forgets the flow): it waits until keepalive.Check reports a
// keep-alive probe unanswered, calls inflight, and returns the error of
// a query through the pool. dials says how many connections the pool's
// connector dialed; a query that succeeded must have run on a second.
func QueryAfterUnanswered(db *sql.DB, conn net.Conn, dials func() int, inflight func()) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := keepalive.Check(conn)
		if errors.Is(err, keepalive.ErrUnanswered) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			return fmt.Errorf("waiting for an unanswered probe: Check says %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	inflight()
	var n int
	err := db.QueryRowContext(context.Background(), "SELECT 1").Scan(&n)
	if err == nil && dials() != 2 {
		return fmt.Errorf("the query succeeded with %d connections dialed, want 2", dials())
	}
	return err
}

// ExpectReplaced checks two QueryAfterUnanswered calls: checked, whose
// pool closes a connection keepalive.Check rejects, must succeed within
// a second, on a new connection; unchecked must fail later, with an
// error gone recognises.
func ExpectReplaced(t *testing.T, checked, unchecked *Process, gone func(Outcome) bool) {
	t.Helper()
	o, err := checked.Outcome(30 * time.Second)
	if err != nil {
		t.Fatalf("checked: %v", err)
	}
	t.Logf("checked: the query took %v: error %q", o.Elapsed.Round(time.Millisecond), o.Err)
	if o.Err != "" || o.Elapsed > time.Second {
		t.Errorf("checked: the query took %v and returned %q, want success within 1s", o.Elapsed, o.Err)
	}
	o, err = unchecked.Outcome(30 * time.Second)
	if err != nil {
		t.Fatalf("unchecked: %v", err)
	}
	t.Logf("unchecked: the query took %v: error %q", o.Elapsed.Round(time.Millisecond), o.Err)
	if !gone(o) || o.Elapsed < time.Second {
		t.Errorf("unchecked: the query took %v and returned %q, want the dead connection's error after more than 1s", o.Elapsed, o.Err)
	}
}
