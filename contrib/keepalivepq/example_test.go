package keepalivepq_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"time"

	"github.com/lib/pq"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
)

// The one way to wire it: the connection string's keep-alive keys if it
// has any, else the Config from code; the pool closes, at checkout, a
// connection keepalive.Check rejects.
func Example() {
	dsn := "postgres://app@db:5432/app?keepalives_idle=60"
	cfg := keepalive.Within(10 * time.Second)
	c, err := keepalivepq.NewConnector(dsn, cfg)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(keepalivepq.Checked(c))
	defer db.Close()

	got, on, err := keepalivepq.Effective(dsn, cfg)
	fmt.Println(got.Idle, on, err)
	// Output: 1m0s true <nil>
}

// libpq's keys stay in the connection string, where ops teams put them;
// they reach the dialer, not the server. Without them, the Config given
// in code applies.
func ExampleNewConnector() {
	c, err := keepalivepq.NewConnector("postgres://app@db:5432/app?keepalives_idle=8&keepalives_interval=1&keepalives_count=3&tcp_user_timeout=11000",
		keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "SELECT pg_sleep(60)"); keepalive.IsPeerGone(err) {
		log.Print("the database host is gone")
	}
}

// The connections tracked, as every module's dialing functions take
// keepalive.WithTracker: the Tracker sees each with its peer, and counts
// Checked's pool checks for it.
func ExampleNewConnector_tracked() {
	tracker := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tracker.Close()
	c, err := keepalivepq.NewConnector("postgres://app@db:5432/app", keepalive.Within(10*time.Second), keepalive.WithTracker(tracker))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(keepalivepq.Checked(c))
	defer db.Close()
	err = tracker.Collect(context.Background(), func(r *keepalive.Reading) bool {
		log.Printf("%v: %v, %d probes out", r.PeerAddr, r.Verdict, r.Probes)
		return true
	})
	if err != nil {
		log.Fatal(err)
	}
}

// A bad value names its key and what it must be.
func ExampleNewConnector_badValue() {
	_, err := keepalivepq.NewConnector("host=db user=app keepalives_idle=30s", keepalive.Config{})
	fmt.Println(err)
	// Output: keepalive: invalid keepalives_idle "30s": not an integer from -2147483648 to 2147483647, as libpq reads it
}

// A LISTEN connection idles for hours: the case keep-alive is for.
func ExampleNewDialer() {
	d, err := keepalivepq.NewDialer(keepalive.Within(30 * time.Second))
	if err != nil {
		log.Fatal(err)
	}
	l := pq.NewDialListener(d, "postgres://app@db:5432/app", time.Second, time.Minute, nil)
	defer l.Close()
	if err := l.Listen("jobs"); err != nil {
		log.Fatal(err)
	}
}

// A pool that closes, at checkout, a connection whose keep-alive probes
// go unanswered (a NAT forgot the flow, the host vanished), and goes on
// with a new one.
func ExampleChecked() {
	c, err := keepalivepq.NewConnector("postgres://app@db:5432/app", keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(keepalivepq.Checked(c))
	defer db.Close()
}
