package keepalivemysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivemysql"
)

// The one way to wire it: the DSN's keepalive parameter if it has one,
// else the Config from code; the pool closes, at checkout, a connection
// keepalive.Check rejects; and a query's error says when the server's
// host is gone.
func Example() {
	dsn := "app@tcp(db:3306)/app?timeout=5s&keepalive=idle=60s,interval=5s,count=3"
	cfg := keepalive.Within(10 * time.Second)
	c, err := keepalivemysql.NewConnector(dsn, cfg)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(keepalivemysql.Checked(c))
	defer db.Close()

	got, err := keepalivemysql.Effective(dsn, cfg)
	fmt.Println(got.Idle, got.Interval, got.Count, err)
	// Output: 1m0s 5s 3 <nil>
}

// A Config from code; the DSN's timeout still bounds each connect.
func ExampleNewConnector() {
	c, err := keepalivemysql.NewConnector("app@tcp(db:3306)/app?timeout=5s", keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "SELECT SLEEP(60)"); keepalive.IsPeerGone(err) {
		log.Print("the database host is gone: ", err) // also errors.Is(err, mysql.ErrInvalidConn)
	}
}

// The Config in the DSN, in keepalive.Config's text form: taken out
// before the driver would send it to the server.
func ExampleConfigure() {
	c, err := mysql.ParseDSN("app@tcp(db:3306)/app?timeout=5s&keepalive=idle=8s,interval=1s,count=3,user-timeout=11s")
	if err != nil {
		log.Fatal(err)
	}
	if err := keepalivemysql.Configure(c, keepalive.Config{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.FormatDSN())
	// Output: app@tcp(db:3306)/app?timeout=5s
}

// A pool that closes, at checkout, a connection whose keep-alive probes
// go unanswered (a NAT forgot the flow, the host vanished), and goes on
// with a new one.
func ExampleChecked() {
	c, err := keepalivemysql.NewConnector("app@tcp(db:3306)/app?timeout=5s", keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(keepalivemysql.Checked(c))
	defer db.Close()
}
