package keepalive

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTablesMatchXSys checks the option numbers the tables write
// themselves, where golang.org/x/sys has none or a wrong one (every other
// number comes from x/sys, in options_GOOS.go), against x/sys's source
// for those systems, read from the module cache.
func TestTablesMatchXSys(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to find golang.org/x/sys's source; CI has it")
	}
	out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	require.NoError(t, err, "locating golang.org/x/sys")
	dir := strings.TrimSpace(string(out))
	require.NotEmpty(t, dir, "golang.org/x/sys must be downloaded (go mod download)")

	// FreeBSD's TCP_MAXUNACKTIME (sys/netinet/tcp.h: 68): x/sys has it
	// for riscv64 only, with the number the table holds.
	riscv := readConsts(t, filepath.Join(dir, "unix/zerrors_freebsd_riscv64.go"))
	assert.Equal(t, riscv["TCP_MAXUNACKTIME"], int64(freebsdOptions.userTimeout.num))
	assert.Equal(t, ipprotoTCP, freebsdOptions.userTimeout.level)
	_, onAMD64 := readConsts(t, filepath.Join(dir, "unix/zerrors_freebsd_amd64.go"))["TCP_MAXUNACKTIME"]
	assert.False(t, onAMD64, "x/sys now has TCP_MAXUNACKTIME for freebsd/amd64: take it from there (options_freebsd.go)")

	// Oracle Solaris 11.4: x/sys gives illumos's numbers, which Oracle
	// Solaris 11.4 uses for other options; the table has its own (Go's
	// net/tcpsockopt_solaris.go: 0x1D, 0x1E, 0x1F).
	sol := readConsts(t, filepath.Join(dir, "unix/zerrors_solaris_amd64.go"))
	for _, o := range []sockopt{solarisOptions.idle, solarisOptions.interval, solarisOptions.count} {
		assert.NotEqual(t, sol[o.name], int64(o.num), "%s: illumos's number", o.name)
		assert.Equal(t, ipprotoTCP, o.level)
	}
	assert.Equal(t, []int{0x1D, 0x1E, 0x1F}, []int{solarisOptions.idle.num, solarisOptions.interval.num, solarisOptions.count.num})
}

// TestNativeNumbers: native fills the numbers a table lacks and keeps
// the ones it has.
func TestNativeNumbers(t *testing.T) {
	n := optionNumbers{solSocket: 0xffff, soKeepAlive: 8, ipprotoTCP: 6, idle: 0x22, interval: 0x24, count: 0x23, userTimeout: 0x11}
	sol := solarisOptions.native(n)
	assert.Equal(t, 0x1D, sol.idle.num, "the table's own number stays")
	assert.Equal(t, 0x11, sol.userTimeout.num)
	assert.Equal(t, [2]int{0xffff, 8}, [2]int{sol.keepAlive.level, sol.keepAlive.num})
	assert.Zero(t, solarisOptions.userTimeout.num, "native must not change the shared table")
	legacy := windowsFor(false, false, true).native(n)
	assert.Zero(t, legacy.idle.num, "SIO_KEEPALIVE_VALS is no socket option")
	assert.Equal(t, 0x11, legacy.userTimeout.num)
	assert.Zero(t, openbsdOptions.native(n).count.num, "an option the system lacks stays absent")
}

// readConsts returns the integer constants a Go file defines, following
// one name to another within the file (windows: TCP_KEEPIDLE =
// TCP_KEEPALIVE).
func readConsts(t *testing.T, path string) map[string]int64 {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	exprs := map[string]ast.Expr{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					exprs[name.Name] = vs.Values[i]
				}
			}
		}
	}
	consts := map[string]int64{}
	var eval func(e ast.Expr, depth int) (int64, bool)
	eval = func(e ast.Expr, depth int) (int64, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			v, err := strconv.ParseInt(e.Value, 0, 64)
			return v, err == nil
		case *ast.Ident:
			if next, ok := exprs[e.Name]; ok && depth < 4 {
				return eval(next, depth+1)
			}
		}
		return 0, false
	}
	for name, e := range exprs {
		if v, ok := eval(e, 0); ok {
			consts[name] = v
		}
	}
	return consts
}
