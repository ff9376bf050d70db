package keepalivemysql_test

// A real MariaDB server in the server's namespace, database/sql with
// go-sql-driver/mysql in the client's, the server's host vanishing (the
// router drops everything). Needs root and Debian's mariadb-server
// package; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivemysql"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const within = 5 * time.Second

var cfg = keepalive.Within(within)

// dsn is the server's, with cfg in the keepalive parameter if param.
func dsn(addr string, param bool) string {
	s := "app@tcp(" + addr + ")/?timeout=2s&multiStatements=true"
	if param {
		s += "&keepalive=" + cfg.String()
	}
	return s
}

// logger keeps the driver's log, which repeats the socket's error, out
// of the test's output.
type logger struct{}

func (logger) Print(...any) {}

// peerGone is the check the cases use: the error is the driver's
// (mysql.ErrInvalidConn), and keepalive.IsPeerGone recognises it, as it
// does through NewConnectorConfig's connections.
func peerGone(err error) bool {
	return errors.Is(err, mysql.ErrInvalidConn) && keepalive.IsPeerGone(err)
}

// open opens a database/sql pool on addr and makes one connection:
// through keepalivemysql (cfg in the DSN if param, else in code) or,
// without, the driver alone. With, it checks that the socket holds cfg
// once the driver is done with it.
func open(addr string, with, param bool) (*sql.DB, error) {
	c, err := mysql.ParseDSN(dsn(addr, with && param))
	if err != nil {
		return nil, err
	}
	c.Logger = logger{}
	var dials netns.Dials
	if with {
		keepalivemysql.SetDialed(dials.Add)
	}
	var connector driver.Connector
	if with {
		given := cfg
		if param {
			given = keepalive.Config{} // the DSN's wins
		}
		connector, err = keepalivemysql.NewConnectorConfig(c, given)
	} else {
		connector, err = mysql.NewConnector(c)
	}
	if err != nil {
		return nil, err
	}
	if with {
		return netns.OpenSQL(connector, &dials, &cfg)
	}
	return netns.OpenSQL(connector, &dials, nil)
}

// The calls, each played by the test binary in the client's namespace.
// They leave their pools open: the process exits as soon as the call
// returns.
var calls = map[string]netns.CallFunc{
	// The driver alone, given the keepalive parameter: it sends it to
	// the server as a system variable, which fails.
	"trap": func(addr string, _ func()) error {
		db, err := sql.Open("mysql", dsn(addr, true))
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Ping()
	},
	// What database/sql does with a connection, through the module's
	// wrappers of the driver's connection, statements, rows and
	// transactions: each answer as the driver's own would be.
	"forwards": func(addr string, _ func()) error {
		db, err := open(addr, true, false)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS t"); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS t.x (id INT PRIMARY KEY, s VARCHAR(10) NULL)"); err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO t.x VALUES (?, ?)")
		if err != nil {
			return err
		}
		for i, v := range []any{"a", nil} {
			if _, err := stmt.ExecContext(ctx, i, v); err != nil {
				return err
			}
		}
		if err := stmt.Close(); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, "SELECT id, s FROM t.x ORDER BY id; SELECT 42")
		if err != nil {
			return err
		}
		defer rows.Close()
		types, err := rows.ColumnTypes()
		if err != nil {
			return err
		}
		if n, ok := types[1].Nullable(); !ok || !n || types[1].DatabaseTypeName() != "VARCHAR" {
			return fmt.Errorf("column s: nullable %v %v, type %q", n, ok, types[1].DatabaseTypeName())
		}
		var got []string
		for rows.Next() {
			var id int
			var v sql.NullString
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			got = append(got, fmt.Sprintf("%d %v %s", id, v.Valid, v.String))
		}
		if !rows.NextResultSet() || !rows.Next() {
			return fmt.Errorf("no second result set: %v", rows.Err())
		}
		var n int
		if err := rows.Scan(&n); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if want := []string{"0 true a", "1 false "}; fmt.Sprint(got) != fmt.Sprint(want) || n != 42 {
			return fmt.Errorf("rows %q and %d, want %q and 42", got, n, want)
		}
		return nil
	},
	// A connection made after the server's host vanished: the DSN's
	// timeout (2s) bounds it.
	"connect": func(addr string, inflight func()) error {
		inflight()
		_, err := open(addr, true, true)
		return err
	},
}

func init() { netns.SQLCalls(calls, "SELECT SLEEP(60)", open) }

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := n.StartMariaDB(t)

	// The trap: the driver alone sends the parameter to the server.
	o, err := n.StartCall(n.Client, "trap", addr).Outcome(30 * time.Second)
	require.NoError(t, err)
	assert.Contains(t, o.Err, "Error 1193 (HY000): Unknown system variable 'keepalive'")

	// The wrappers that classify errors forward everything else.
	o, err = n.StartCall(n.Client, "forwards", addr).Outcome(30 * time.Second)
	require.NoError(t, err)
	assert.Empty(t, o.Err, "query, rows, prepared statement and transaction through NewConnectorConfig")

	n.CutAndCheck(t, cfg, within, n.SQLCases(addr, within, netns.ByHelper))

	// The network stays cut: a new connection's dial is bounded by the
	// DSN's timeout.
	o, err = n.StartCall(n.Client, "connect", addr).Outcome(10 * time.Second)
	require.NoError(t, err)
	t.Logf("connect after the cut, timeout=2s: failed after %v: %s", o.Elapsed.Round(10*time.Millisecond), o.Err)
	assert.Contains(t, o.Err, "i/o timeout")
	assert.InDelta(t, 2*time.Second, o.Elapsed, float64(500*time.Millisecond))
}
