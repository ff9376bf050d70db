package netns

import (
	"context"
	"database/sql"
	"database/sql/driver"
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

// queryAfterUnanswered is the body of a Call on a database/sql pool of
// one connection, the first of dials, idle while the path to its server
// loses it (a Middlebox forgets the flow): it waits until keepalive.Check
// reports a keep-alive probe unanswered, calls inflight, and returns the
// error of a query through the pool. A query that succeeded must have
// run on a second connection.
func queryAfterUnanswered(db *sql.DB, dials *Dials, inflight func()) error {
	if err := AwaitUnanswered(dials.First()); err != nil {
		return err
	}
	inflight()
	var n int
	err := db.QueryRowContext(context.Background(), "SELECT 1").Scan(&n)
	if n := dials.Count(); err == nil && n != 2 {
		return fmt.Errorf("the query succeeded with %d connections dialed, want 2", n)
	}
	return err
}

// AwaitUnanswered waits up to 15s until keepalive.Check reports a
// keep-alive probe of conn unanswered (keepalive.ErrUnanswered), as on a
// connection whose flow a Middlebox forgot.
func AwaitUnanswered(conn net.Conn) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := keepalive.Check(conn)
		if errors.Is(err, keepalive.ErrUnanswered) {
			return nil
		}
		if err != nil || time.Now().After(deadline) {
			return fmt.Errorf("waiting for an unanswered probe: Check says %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectReplaced checks two queryAfterUnanswered calls: checked, whose
// pool closes a connection keepalive.Check rejects, must succeed within
// a second, on a new connection; unchecked must fail later, with an
// error gone recognises.
func expectReplaced(t *testing.T, checked, unchecked *Process, gone func(Outcome) bool) {
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

// OpenSQL opens a database/sql pool of one connection on connector and
// makes the connection; with want, it checks that the socket holds
// *want (Dials.Holds), dials being what the module's dial hook saw.
func OpenSQL(connector driver.Connector, dials *Dials, want *keepalive.Config) (*sql.DB, error) {
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		return nil, err
	}
	if want != nil {
		if err := dials.Holds(*want); err != nil {
			return nil, err
		}
	}
	return db, nil
}

// SQLCalls registers in calls the Calls of a database/sql module's
// dead-server test (SQLCases), each with the module and without it
// (named with "-without"): "query", a query that sleeps (the SQL of
// sleep) in flight, on a pool opened with the keep-alive keys in the
// connection string (keys), and "pool-idle", a connection idle in its
// pool, used after the cut, the Config given in code. open opens a
// pool of one connection on the server at addr (OpenSQL). The calls
// leave their pools open: the process exits when the call returns.
func SQLCalls(calls map[string]CallFunc, sleep string, open func(addr string, with, keys bool) (*sql.DB, error)) {
	for _, with := range []bool{true, false} {
		suffix := map[bool]string{true: "", false: "-without"}[with]
		calls["query"+suffix] = func(addr string, inflight func()) error {
			db, err := open(addr, with, true)
			if err != nil {
				return err
			}
			inflight()
			_, err = db.Exec(sleep)
			return err
		}
		calls["pool-idle"+suffix] = func(addr string, inflight func()) error {
			db, err := open(addr, with, false)
			if err != nil {
				return err
			}
			inflight()
			WaitForCut()
			time.Sleep(time.Second)
			_, err = db.Exec("SELECT 1")
			return err
		}
	}
}

// SQLCases starts the Calls of SQLCalls against the server at addr in
// the client's namespace, as the Cases of CutAndCheck with
// keepalive.Within(within): gone is the check that must recognise
// their errors.
func (n *Network) SQLCases(addr string, within time.Duration, gone Gone) []Case {
	n.t.Helper()
	start := func(name string) *Process { return n.StartCall(n.Client, name, addr) }
	return []Case{
		{Name: "query in flight", With: start("query"), Without: start("query-without"), Gone: gone},
		{Name: "pool, idle connection", With: start("pool-idle"), Without: start("pool-idle-without"), Gone: gone, AfterCut: true, Bound: 2*within + 1500*time.Millisecond},
	}
}

// ForgottenCalls registers in calls the Calls of a database/sql
// module's forgotten-flow test (ForgottenFlow): "forgotten", through
// the module's check, and "forgotten-unchecked", each a pool of one
// connection (OpenSQL) on connector(addr, checked), whose dial hook
// records in dials, then queryAfterUnanswered.
func ForgottenCalls(calls map[string]CallFunc, connector func(addr string, checked bool, dials *Dials) (driver.Connector, error)) {
	for _, checked := range []bool{true, false} {
		name := map[bool]string{true: "forgotten", false: "forgotten-unchecked"}[checked]
		calls[name] = func(addr string, inflight func()) error {
			var dials Dials
			c, err := connector(addr, checked, &dials)
			if err != nil {
				return err
			}
			db, err := OpenSQL(c, &dials, nil)
			if err != nil {
				return err
			}
			return queryAfterUnanswered(db, &dials, inflight)
		}
	}
}

// ForgottenFlow is a database/sql module's forgotten-flow test, its
// Calls registered by ForgottenCalls: the router becomes a Middlebox
// that forgets a flow idle for idle, and the query on the connection it
// forgot is replaced with the check and fails without it
// (expectReplaced).
func (n *Network) ForgottenFlow(t *testing.T, addr string, idle time.Duration, gone func(Outcome) bool) {
	t.Helper()
	n.Middlebox(Middlebox{IdleTimeout: idle})
	expectReplaced(t, n.StartCall(n.Client, "forgotten", addr), n.StartCall(n.Client, "forgotten-unchecked", addr), gone)
}
