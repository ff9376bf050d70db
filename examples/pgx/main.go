// Command pgx connects to PostgreSQL with pgx, taking the keep-alive
// settings from the connection string as libpq does (keepalives_idle,
// keepalives_interval, keepalives_count, tcp_user_timeout). pgx does not
// know those keys and would send them to the server as runtime
// parameters; FromConnString moves them into a keepalive.Config and a
// DialFunc instead.
//
//	go run ./pgx 'postgres://app@db:5432/app?keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000'
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tcpkeepalive/keepalive"
)

// libpqKeys are the keep-alive settings libpq takes; keepalive's text
// form takes them under the same names.
var libpqKeys = []string{"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"}

// FromConnString parses a connection string for pgx and moves its libpq
// keep-alive settings into a keepalive.Config set through DialFunc.
func FromConnString(connString string) (*pgx.ConnConfig, keepalive.Config, error) {
	cc, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, keepalive.Config{}, err
	}
	var pairs []string
	for _, k := range libpqKeys {
		if v, ok := cc.RuntimeParams[k]; ok {
			pairs = append(pairs, k+"="+v)
			delete(cc.RuntimeParams, k)
		}
	}
	var cfg keepalive.Config
	if err := cfg.UnmarshalText([]byte(strings.Join(pairs, ","))); err != nil {
		return nil, keepalive.Config{}, err
	}
	// Parsing is syntax; the system's limits are checked here, before
	// the first dial.
	if err := cfg.Validate(); err != nil {
		return nil, keepalive.Config{}, err
	}
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	d.Timeout = cc.ConnectTimeout
	cc.DialFunc = d.DialContext
	return cc, cfg, nil
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: pgx CONNSTRING")
	}
	cc, cfg, err := FromConnString(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(context.Background(), cc)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(context.Background())
	var version string
	if err := conn.QueryRow(context.Background(), "select version()").Scan(&version); err != nil {
		log.Fatal(err)
	}
	fmt.Println(version, "with keep-alive", cfg)
}
