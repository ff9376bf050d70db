package keepalive

// The option numbers in the tables against golang.org/x/sys and Go's net,
// for every system and architecture.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTablesMatchXSys checks the option numbers the tables write
// themselves, where golang.org/x/sys has none or a wrong one (every other
// number comes from x/sys, in the options file of each system), against the constants
// that x/sys and Go's net define for those systems: the packages' files
// as the go command selects them for each GOOS/GOARCH.
func TestTablesMatchXSys(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to find golang.org/x/sys's source; CI has it")
	}

	// FreeBSD's TCP_MAXUNACKTIME (sys/netinet/tcp.h: 68): x/sys has it
	// for riscv64 only, with the number the table holds.
	riscv := packageConsts(t, "golang.org/x/sys/unix", "freebsd", "riscv64")
	require.Contains(t, riscv, "TCP_MAXUNACKTIME")
	assert.Equal(t, riscv["TCP_MAXUNACKTIME"], int64(freebsdOptions.userTimeout.num))
	assert.Equal(t, ipprotoTCP, freebsdOptions.userTimeout.level)
	assert.Equal(t, riscv["IPPROTO_TCP"], int64(ipprotoTCP))
	for _, arch := range []string{"amd64", "arm64"} {
		assert.NotContains(t, packageConsts(t, "golang.org/x/sys/unix", "freebsd", arch), "TCP_MAXUNACKTIME",
			"x/sys now has TCP_MAXUNACKTIME for freebsd/%s: the table's number must match it", arch)
	}

	// Oracle Solaris 11.4: x/sys gives illumos's numbers, which Oracle
	// Solaris 11.4 uses for other options; the table has Go's
	// (net/tcpsockopt_solaris.go: sysTCP_KEEPIDLE and the others).
	sol := packageConsts(t, "golang.org/x/sys/unix", "solaris", "amd64")
	goNet := packageConsts(t, "net", "solaris", "amd64")
	for _, o := range []sockopt{solarisOptions.idle, solarisOptions.interval, solarisOptions.count} {
		require.Contains(t, sol, o.name)
		assert.NotEqual(t, sol[o.name], int64(o.num), "%s: illumos's number", o.name)
		require.Contains(t, goNet, "sys"+o.name)
		assert.Equal(t, goNet["sys"+o.name], int64(o.num), "%s: Go's number", o.name)
		assert.Equal(t, ipprotoTCP, o.level)
	}
}

// packageConsts returns the integer constants that a package's files
// define for goos/goarch, as the go command selects the files.
func packageConsts(t *testing.T, pkg, goos, goarch string) map[string]int64 {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}{{range .GoFiles}} {{.}}{{end}}", pkg)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	out, err := cmd.Output()
	require.NoError(t, err, "go list %s for %s/%s", pkg, goos, goarch)
	fields := strings.Fields(string(out))
	require.Greater(t, len(fields), 1, "go list %s for %s/%s: no files", pkg, goos, goarch)
	consts := map[string]int64{}
	for _, name := range fields[1:] {
		maps.Copy(consts, readConsts(t, filepath.Join(fields[0], name)))
	}
	return consts
}

// TestNativeNumbers: native fills the numbers a table lacks and keeps
// the ones it has.
func TestNativeNumbers(t *testing.T) {
	n := optionNumbers{solSocket: 0xffff, soKeepAlive: 8, ipprotoTCP: 6, idle: 0x22, interval: 0x24, count: 0x23, userTimeout: 0x11}
	sol := solarisOptions.native(n)
	assert.Equal(t, 0x1D, sol.idle.num, "the table's own number stays")
	assert.Equal(t, [2]int{0xffff, 8}, [2]int{sol.keepAlive.level, sol.keepAlive.num})
	linux := linuxOptions.native(n)
	assert.Equal(t, 0x11, linux.userTimeout.num)
	assert.Zero(t, linuxOptions.userTimeout.num, "native must not change the shared table")
	legacy := windowsFor(false, false, true).native(n)
	assert.Zero(t, legacy.idle.num, "SIO_KEEPALIVE_VALS is no socket option")
	assert.Equal(t, 0x11, legacy.userTimeout.num)
	assert.Zero(t, openbsdOptions.native(n).count.num, "an option the system lacks stays absent")
}

// TestTableNumbers checks the numbers every table holds (all but
// Linux's and Windows', which take theirs from golang.org/x/sys at build
// time) against the constants x/sys defines, under the option's own name,
// for each architecture of the system that Go and x/sys support.
func TestTableNumbers(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to find golang.org/x/sys's source; CI has it")
	}
	// The numbers TestTablesMatchXSys checks against their sources.
	own := map[*sockopts][]sockopt{
		freebsdOptions: {freebsdOptions.userTimeout},
		solarisOptions: {solarisOptions.idle, solarisOptions.interval, solarisOptions.count},
	}
	for _, tc := range []struct {
		name   string
		tables []*sockopts
		arches []string
	}{
		{"darwin", []*sockopts{darwinOptions}, []string{"amd64", "arm64"}},
		{"freebsd", []*sockopts{freebsdOptions}, []string{"386", "amd64", "arm", "arm64", "riscv64"}},
		{"netbsd", []*sockopts{netbsdOptions}, []string{"386", "amd64", "arm", "arm64"}},
		{"dragonfly", []*sockopts{dragonflyOptions, dragonflyMillisOptions}, []string{"amd64"}},
		{"openbsd", []*sockopts{openbsdOptions}, []string{"amd64"}},
		{"illumos", []*sockopts{illumosOptions}, []string{"amd64"}},
		{"solaris", []*sockopts{solarisOptions, solarisLegacyOptions}, []string{"amd64"}},
		{"aix", []*sockopts{aixOptions}, []string{"ppc64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, arch := range tc.arches {
				consts := packageConsts(t, "golang.org/x/sys/unix", tc.name, arch)
				for _, table := range tc.tables {
					for _, o := range []sockopt{table.idle, table.interval, table.count, table.userTimeout} {
						if !o.exists() || slices.Contains(own[table], o) {
							continue
						}
						require.Contains(t, consts, o.name, "%s/%s", tc.name, arch)
						assert.Equal(t, consts[o.name], int64(o.num), "%s/%s %s", tc.name, arch, o.name)
						assert.Equal(t, consts["IPPROTO_TCP"], int64(o.level), "%s/%s %s", tc.name, arch, o.name)
					}
				}
			}
		})
	}
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
