package netns

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// Dials records the connections a module's dial hook saw; the pool of a
// Call may dial from its own goroutine.
type Dials struct {
	mu    sync.Mutex
	conns []net.Conn
}

// Add records c.
func (d *Dials) Add(c net.Conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.conns = append(d.conns, c)
}

// Count is how many were dialed.
func (d *Dials) Count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.conns)
}

// First is the first dialed, nil if none was.
func (d *Dials) First() net.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.conns) == 0 {
		return nil
	}
	return d.conns[0]
}

// Holds returns an error unless the first connection dialed holds cfg,
// read back from the kernel once the driver is done with it.
func (d *Dials) Holds(cfg keepalive.Config) error {
	c := d.First()
	if c == nil {
		return errors.New("no connection dialed through the module")
	}
	st, err := keepalive.Get(c)
	if err != nil {
		return err
	}
	if !st.Enabled || st.Config != cfg {
		return fmt.Errorf("the socket holds %v, want %v", st, cfg)
	}
	return nil
}

// QueryAfterUnanswered is the body of a Call on a database/sql pool of
// one connection, the first of dials, idle while the path to its server
// loses it (a Middlebox forgets the flow): it waits until keepalive.Check
// reports a keep-alive probe unanswered, calls inflight, and returns the
// error of a query through the pool. A query that succeeded must have
// run on a second connection.
func QueryAfterUnanswered(db *sql.DB, dials *Dials, inflight func()) error {
	conn := dials.First()
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
	if n := dials.Count(); err == nil && n != 2 {
		return fmt.Errorf("the query succeeded with %d connections dialed, want 2", n)
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
