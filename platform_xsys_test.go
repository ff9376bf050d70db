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

// TestTablesMatchXSys checks every table's option numbers against the
// constants golang.org/x/sys generates from each system's headers,
// reading its source for the systems that are not the one running. The
// tables define the numbers themselves so that every system's table is
// built, and tested, everywhere.
func TestTablesMatchXSys(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to find golang.org/x/sys's source; CI has it")
	}
	out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	require.NoError(t, err, "locating golang.org/x/sys")
	dir := strings.TrimSpace(string(out))
	require.NotEmpty(t, dir, "golang.org/x/sys must be downloaded (go mod download)")

	tests := []struct {
		table *sockopts
		files []string // under golang.org/x/sys
	}{
		// Linux's SOL_SOCKET and SO_KEEPALIVE depend on the architecture
		// (mips and sparc differ); options_linux.go takes them from x/sys.
		{linuxOptions, []string{"unix/zerrors_linux.go", "unix/zerrors_linux_amd64.go"}},
		{darwinOptions, []string{"unix/zerrors_darwin_arm64.go", "unix/zerrors_darwin_amd64.go"}},
		{freebsdOptions, []string{"unix/zerrors_freebsd_amd64.go", "unix/zerrors_freebsd_arm64.go"}},
		{netbsdOptions, []string{"unix/zerrors_netbsd_amd64.go"}},
		{dragonflyOptions, []string{"unix/zerrors_dragonfly_amd64.go"}},
		{dragonflyMillisOptions, []string{"unix/zerrors_dragonfly_amd64.go"}},
		{openbsdOptions, []string{"unix/zerrors_openbsd_amd64.go"}},
		{illumosOptions, []string{"unix/zerrors_solaris_amd64.go"}},
		{aixOptions, []string{"unix/zerrors_aix_ppc64.go"}},
		{windowsOptions, []string{"windows/types_windows.go"}},
	}
	for _, tt := range tests {
		// Linux's two files make one set of constants; the other
		// systems' files are each architecture's own, each checked.
		sets := map[string]map[string]int64{}
		for _, file := range tt.files {
			consts := readConsts(t, filepath.Join(dir, file))
			if tt.table == linuxOptions {
				file = tt.files[0]
				for k, v := range sets[file] {
					consts[k] = v
				}
			}
			sets[file] = consts
		}
		for file, consts := range sets {
			t.Run(tt.table.os+"/"+filepath.Base(file), func(t *testing.T) {
				for _, o := range []sockopt{tt.table.keepAlive, tt.table.idle, tt.table.interval, tt.table.count, tt.table.userTimeout} {
					if !o.exists() || o.name == "SIO_KEEPALIVE_VALS" {
						continue
					}
					num, ok := consts[o.name]
					if !ok && o.name == "TCP_MAXUNACKTIME" {
						// Only the riscv64 file has it in x/sys v0.50.0.
						num, ok = readConsts(t, filepath.Join(dir, "unix/zerrors_freebsd_riscv64.go"))[o.name]
					}
					if assert.True(t, ok, "%s is not in %s", o.name, file) {
						assert.Equal(t, num, int64(o.num), o.name)
					}
					level := "IPPROTO_TCP"
					if o.name == "SO_KEEPALIVE" {
						level = "SOL_SOCKET"
					}
					if lv, ok := consts[level]; ok {
						assert.Equal(t, lv, int64(o.level), "level of %s", o.name)
					}
				}
			})
		}
	}

	// Oracle Solaris is the deliberate exception: x/sys gives it
	// illumos's numbers, which Oracle Solaris 11.4 uses for other
	// options.
	sol := readConsts(t, filepath.Join(dir, "unix/zerrors_solaris_amd64.go"))
	assert.Equal(t, int64(illumosOptions.idle.num), sol["TCP_KEEPIDLE"])
	assert.NotEqual(t, int64(solarisOptions.idle.num), sol["TCP_KEEPIDLE"])
	assert.Equal(t, sol["TCP_ABORT_THRESHOLD"], int64(solarisOptions.userTimeout.num))
	assert.Equal(t, sol["TCP_KEEPALIVE_THRESHOLD"], int64(solarisLegacyOptions.idle.num))
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
