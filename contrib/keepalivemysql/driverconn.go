package keepalivemysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
)

// conn is a driver connection whose errors, and those of its statements,
// rows and transactions, are classified. It has every method of
// database/sql's optional interfaces that the driver's connection has;
// where the driver's lacks one, it answers as database/sql does without
// it.
type conn struct {
	driver.Conn
	r *recorder
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	st, err := c.Conn.Prepare(query)
	if err != nil {
		return nil, c.r.classify(err)
	}
	return &stmt{Stmt: st, c: c}, nil
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return c.Prepare(query)
	}
	st, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, c.r.classify(err)
	}
	return &stmt{Stmt: st, c: c}, nil
}

func (c *conn) Close() error { return c.r.classify(c.Conn.Close()) }

func (c *conn) Begin() (driver.Tx, error) {
	//lint:ignore SA1019 driver.Conn's own method, which database/sql calls without ConnBeginTx
	tx, err := c.Conn.Begin()
	if err != nil {
		return nil, c.r.classify(err)
	}
	return &txn{Tx: tx, r: c.r}, nil
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		if opts != (driver.TxOptions{}) {
			return nil, errors.New("keepalivemysql: the driver's connection takes no transaction options")
		}
		return c.Begin()
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, c.r.classify(err)
	}
	return &txn{Tx: tx, r: c.r}, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	return res, c.r.classify(err)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != nil {
		return nil, c.r.classify(err)
	}
	return &rowsOf{Rows: rows, r: c.r}, nil
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return c.r.classify(p.Ping(ctx))
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if s, ok := c.Conn.(driver.SessionResetter); ok {
		return c.r.classify(s.ResetSession(ctx))
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type stmt struct {
	driver.Stmt
	c *conn
}

func (s *stmt) Close() error { return s.c.r.classify(s.Stmt.Close()) }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	//lint:ignore SA1019 driver.Stmt's own method, which database/sql calls without StmtExecContext
	res, err := s.Stmt.Exec(args)
	return res, s.c.r.classify(err)
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	//lint:ignore SA1019 driver.Stmt's own method, which database/sql calls without StmtQueryContext
	rows, err := s.Stmt.Query(args)
	if err != nil {
		return nil, s.c.r.classify(err)
	}
	return &rowsOf{Rows: rows, r: s.c.r}, nil
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		values, err := valuesOf(args)
		if err != nil {
			return nil, err
		}
		return s.Exec(values)
	}
	res, err := e.ExecContext(ctx, args)
	return res, s.c.r.classify(err)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		values, err := valuesOf(args)
		if err != nil {
			return nil, err
		}
		return s.Query(values)
	}
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		return nil, s.c.r.classify(err)
	}
	return &rowsOf{Rows: rows, r: s.c.r}, nil
}

// CheckNamedValue is the statement's, else the connection's, as
// database/sql would ask them.
func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return s.c.CheckNamedValue(nv)
}

// valuesOf is database/sql's own fallback for a statement without the
// context methods: positional arguments only.
func valuesOf(named []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(named))
	for i, nv := range named {
		if nv.Name != "" {
			return nil, errors.New("keepalivemysql: the driver's statement takes no named arguments")
		}
		values[i] = nv.Value
	}
	return values, nil
}

type txn struct {
	driver.Tx
	r *recorder
}

func (t *txn) Commit() error   { return t.r.classify(t.Tx.Commit()) }
func (t *txn) Rollback() error { return t.r.classify(t.Tx.Rollback()) }

// rowsOf classifies the errors of Next and NextResultSet; the column
// types are the driver's, or what database/sql assumes without them.
type rowsOf struct {
	driver.Rows
	r *recorder
}

func (r *rowsOf) Close() error { return r.r.classify(r.Rows.Close()) }

func (r *rowsOf) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == io.EOF {
		return err
	}
	return r.r.classify(err)
}

func (r *rowsOf) HasNextResultSet() bool {
	n, ok := r.Rows.(driver.RowsNextResultSet)
	return ok && n.HasNextResultSet()
}

func (r *rowsOf) NextResultSet() error {
	n, ok := r.Rows.(driver.RowsNextResultSet)
	if !ok {
		return io.EOF
	}
	err := n.NextResultSet()
	if err == io.EOF {
		return err
	}
	return r.r.classify(err)
}

func (r *rowsOf) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *rowsOf) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rowsOf) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *rowsOf) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *rowsOf) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)

	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)

	_ driver.RowsNextResultSet              = (*rowsOf)(nil)
	_ driver.RowsColumnTypeScanType         = (*rowsOf)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rowsOf)(nil)
	_ driver.RowsColumnTypeLength           = (*rowsOf)(nil)
	_ driver.RowsColumnTypeNullable         = (*rowsOf)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*rowsOf)(nil)
)
