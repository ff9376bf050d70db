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

// A Config from code; the DSN's timeout still bounds each connect.
func ExampleNewConnector() {
	c, err := keepalivemysql.NewConnector("app@tcp(db:3306)/app?timeout=5s", keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "SELECT SLEEP(60)"); err != nil {
		log.Print(err) // mysql.ErrInvalidConn; the driver's log has the kernel's error
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
