package keepalivepgx_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
)

// The one way to wire a pool: the connection string's keep-alive keys if
// it has any, else a Config from code; each connection checked with
// keepalive.Check when the pool hands it out; and what a connection got,
// read back from the kernel.
func Example() {
	ctx := context.Background()
	pc, err := keepalivepgx.ParsePoolConfig("postgres://app@db:5432/app", keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	keepalivepgx.CheckBeforeAcquire(pc)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	conn, err := pool.Acquire(ctx)
	if err != nil {
		log.Fatal(err)
	}
	st, err := keepalive.Get(conn.Conn().PgConn().Conn())
	conn.Release()
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("keep-alive %v, bound %v", st, st.Timeout())

	if _, err := pool.Exec(ctx, "SELECT pg_sleep(60)"); keepalive.IsPeerGone(err) {
		log.Print("the database host is gone")
	}
}

// libpq's keys stay in the connection string, where ops teams put them;
// they reach the dialer, not the server.
func ExampleParseConfig() {
	cc, err := keepalivepgx.ParseConfig("postgres://app@db:5432/app?keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000&application_name=api", keepalive.Config{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cc.RuntimeParams)
	// Output: map[application_name:api]
}

// A pool whose queries fail within the bound the connection string sets
// when the server's host vanishes.
func ExampleParsePoolConfig() {
	pc, err := keepalivepgx.ParsePoolConfig("postgres://app@db:5432/app?keepalives_idle=8&keepalives_interval=1&keepalives_count=3&tcp_user_timeout=11000", keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(context.Background(), "SELECT pg_sleep(60)"); keepalive.IsPeerGone(err) {
		log.Print("the database host is gone")
	}
}

// A Config given in code alone, for a connection string without libpq's
// keys.
func ExampleDialer() {
	cc, err := pgx.ParseConfig("postgres://app@db:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	if cc.DialFunc, err = keepalivepgx.Dialer(keepalive.Within(10*time.Second), cc.ConnectTimeout); err != nil {
		log.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(context.Background(), cc)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(context.Background())
}

// The connection string's keys if it has any, else a Config from code.
func ExampleConfigure() {
	cc, err := pgx.ParseConfig("postgres://app@db:5432/app?application_name=api&keepalives_idle=30")
	if err != nil {
		log.Fatal(err)
	}
	if err := keepalivepgx.Configure(&cc.Config, keepalive.Within(10*time.Second)); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cc.RuntimeParams)
	// Output: map[application_name:api]
}

// A pool that hands out no connection the kernel already doubts, and
// pings none it trusts.
func ExampleCheckBeforeAcquire() {
	pc, err := keepalivepgx.ParsePoolConfig("postgres://app@db:5432/app?keepalives_idle=8&keepalives_interval=1&keepalives_count=3&tcp_user_timeout=11000", keepalive.Within(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	keepalivepgx.CheckBeforeAcquire(pc)
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
}
