package netns

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTally: Summary counts tracked tests as they end, skipped ones by
// reason, and a test with tracked subtests through them.
func TestTally(t *testing.T) {
	saved, savedRuns := tally.tests, tally.runs
	tally.tests, tally.runs = map[testing.TB]*tallied{}, map[string]int{}
	defer func() { tally.tests, tally.runs = saved, savedRuns }()
	assert.Empty(t, Summary(), "nothing tracked")

	t.Run("ran", func(t *testing.T) { Track(t); Track(t) })
	t.Run("root", func(t *testing.T) { Skip(t, "needs root") })
	t.Run("root too", func(t *testing.T) { Track(t); Skip(t, "needs root") })
	t.Run("by itself", func(t *testing.T) { Track(t); t.Skip("not today") })
	t.Run("parent", func(t *testing.T) {
		Track(t)
		t.Run("a", func(t *testing.T) { Track(t) })
		t.Run("b", func(t *testing.T) { Skip(t, "needs strace") })
	})
	t.Run("untracked", func(t *testing.T) { t.Skip("not an integration test") })
	// A test run again under its own name (go test -count=2) that skips
	// only the second time: the skip counts.
	t.Run("again", func(t *testing.T) { Track(t) })
	t.Run("again, second run", func(t *testing.T) { Skip(renamed{t, "TestTally/again"}, "needs root") })
	assert.Equal(t, "integration: 3 ran, 5 skipped; needs root: 3 (TestTally/again (run 2), TestTally/root, TestTally/root_too); "+
		"needs strace: 1 (TestTally/parent/b); skipped by the test itself (see go test -v): 1 (TestTally/by_itself)", Summary())
}

// renamed is a test under another name: a later run of that test.
type renamed struct {
	testing.TB
	name string
}

func (r renamed) Name() string { return r.name }

// TestTallyCountsEverySkip builds testdata/tallychild, whose integration
// tests skip in every way (t.Skip, SkipNow, Skipf, in a helper, in
// parallel, NeedNFT without nft, Missing, Skip in a subtest), and runs it
// as go test would: each skip must be counted, and must fail the run
// under KEEPALIVE_NO_SKIP=1 and under CI=true.
func TestTallyCountsEverySkip(t *testing.T) {
	// go test puts its own go command first on PATH.
	bin := filepath.Join(t.TempDir(), "tallychild.test")
	out, err := exec.Command("go", "test", "-c", "-o", bin, "./testdata/tallychild").CombinedOutput()
	require.NoError(t, err, "%s", out)
	const counted = "integration: 2 ran, 9 skipped"
	for _, tt := range []struct {
		name    string
		env     []string
		run     string
		count   string // -test.count, 1 if ""
		fail    string // "" if the run passes
		counted string // the summary, counted if ""
	}{
		{name: "skips allowed", fail: ""},
		{name: "-count=2: each run counted", count: "2", counted: "integration: 4 ran, 18 skipped"},
		{name: "-count=2 and KEEPALIVE_NO_SKIP=1", count: "2", env: []string{"KEEPALIVE_NO_SKIP=1"}, fail: "FAIL: 18 integration tests skipped, and KEEPALIVE_NO_SKIP=1"},
		{name: "KEEPALIVE_NO_SKIP=1", env: []string{"KEEPALIVE_NO_SKIP=1"}, fail: "FAIL: 9 integration tests skipped, and KEEPALIVE_NO_SKIP=1"},
		{name: "CI=true", env: []string{"CI=true"}, fail: "CI=true but the test cannot run: keepalive-no-such-server not found"},
		{name: "none skipped", env: []string{"KEEPALIVE_NO_SKIP=1", "CI=true"}, run: "^TestIntegrationRuns$"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"-test.count=" + cmp.Or(tt.count, "1")}
			if tt.run != "" {
				args = append(args, "-test.run", tt.run)
			}
			cmd := exec.Command(bin, args...)
			// No nft, no ip, no strace: an empty PATH.
			cmd.Env = append([]string{"PATH=" + t.TempDir(), "HOME=" + os.Getenv("HOME")}, tt.env...)
			out, err := cmd.CombinedOutput()
			if tt.run != "" {
				assert.NoError(t, err, "%s", out)
				assert.Contains(t, string(out), "integration: 1 ran, 0 skipped")
				return
			}
			assert.Contains(t, string(out), tt.fail)
			if tt.fail == "" {
				assert.NoError(t, err, "%s", out)
				assert.Contains(t, string(out), cmp.Or(tt.counted, counted))
				return
			}
			assert.Error(t, err, "%s", out)
		})
	}
}

// TestEveryIntegrationTestCounted reads every test file of the
// repository, contrib modules included: a package with TestIntegration*
// tests must run them under Summarised; a TestIntegration* test must
// call Track (or New, NewDelayed, NeedNFT, which track) first, after
// t.Parallel() if it has one, so that any skip of it is counted; and it
// must skip through netns (Skip, NeedNFT, Missing), which gives the
// reason and counts a subtest's skip too: a subtest's own t.Skip is
// invisible to the tally. testdata/uncounted breaks each rule once, and
// its elsewhere builds a Summarised outside TestMain (.txt files, so that
// neither go nor the list of test names reads them).
func TestEveryIntegrationTestCounted(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(mod), "module github.com/tcpkeepalive/keepalive\n"), "not the module root: %s", root)
	found, problems, err := uncounted(root, "_test.go")
	require.NoError(t, err)
	require.NotZero(t, found, "no TestIntegration* test found under %s", root)
	for _, p := range problems {
		t.Error(p)
	}

	t.Run("testdata/uncounted", func(t *testing.T) {
		found, problems, err := uncounted("testdata/uncounted", "_test.go.txt")
		require.NoError(t, err)
		assert.Equal(t, 4, found)
		assert.Equal(t, []string{
			"child_test.go.txt: TestIntegrationUntracked does not call netns.Track (or New, NewDelayed, NeedNFT) first: a skip before it goes uncounted",
			"child_test.go.txt: TestIntegrationLate calls Skip directly: use netns.Skip(t, why), which counts it with its reason",
			"child_test.go.txt: TestIntegrationLate does not call netns.Track (or New, NewDelayed, NeedNFT) first: a skip before it goes uncounted",
			". has [TestIntegrationLate TestIntegrationTracked TestIntegrationUntracked] but no TestMain running netns.Summarised: its skips go uncounted",
			"elsewhere has [TestIntegrationElsewhere] but no TestMain running netns.Summarised: its skips go uncounted",
		}, problems)
	})
}

// trackers are the functions of netns that track the test they are
// given first thing.
var trackers = []string{"Track", "New", "NewDelayed", "NeedNFT"}

// uncounted reads every test file (named *suffix) under root, but
// testdata and hidden directories below it, and says, one line each, where a
// TestIntegration* test could skip uncounted; found is how many such
// tests it read.
func uncounted(root, suffix string) (found int, problems []string, err error) {
	integration := map[string][]string{} // dir -> TestIntegration* found
	summarised := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, suffix) {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.Dir(rel)
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "TestMain" && fn.Body != nil && runsSummarised(fn.Body) {
				summarised[dir] = true
			}
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "TestIntegration") || fn.Body == nil {
				continue
			}
			found++
			integration[dir] = append(integration[dir], fn.Name.Name)
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel := calledSelector(n); sel != nil && slices.Contains([]string{"Skip", "Skipf", "SkipNow"}, sel.Sel.Name) && !isNetns(sel) {
					problems = append(problems, fmt.Sprintf("%s: %s calls %s directly: use netns.Skip(t, why), which counts it with its reason",
						rel, fn.Name.Name, sel.Sel.Name))
				}
				return true
			})
			if !tracksFirst(fn.Body.List) {
				problems = append(problems, fmt.Sprintf("%s: %s does not call netns.Track (or New, NewDelayed, NeedNFT) first: a skip before it goes uncounted",
					rel, fn.Name.Name))
			}
		}
		return nil
	})
	for _, dir := range slices.Sorted(maps.Keys(integration)) {
		if !summarised[dir] {
			tests := integration[dir]
			slices.Sort(tests)
			problems = append(problems, fmt.Sprintf("%s has %s but no TestMain running netns.Summarised: its skips go uncounted", dir, tests))
		}
	}
	return found, problems, err
}

// runsSummarised reports whether body builds a Summarised
// (netns.Summarised{M: m}, or Summarised{M: m} in package netns): a
// TestMain that does runs the tests under it.
func runsSummarised(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return !found
		}
		switch ty := lit.Type.(type) {
		case *ast.Ident:
			found = found || ty.Name == "Summarised"
		case *ast.SelectorExpr:
			found = found || ty.Sel.Name == "Summarised" && isNetns(ty)
		}
		return !found
	})
	return found
}

// tracksFirst reports whether the first of body's statements, after a
// t.Parallel(), calls one of the trackers.
func tracksFirst(body []ast.Stmt) bool {
	for _, st := range body {
		var n ast.Node = st
		switch st := st.(type) {
		case *ast.ExprStmt:
			n = st.X
		case *ast.AssignStmt:
			if len(st.Rhs) == 1 {
				n = st.Rhs[0]
			}
		}
		sel := calledSelector(n)
		if sel != nil && sel.Sel.Name == "Parallel" && !isNetns(sel) {
			continue
		}
		return sel != nil && isNetns(sel) && slices.Contains(trackers, sel.Sel.Name)
	}
	return false
}

// calledSelector is the x.f of a call x.f(...), or nil.
func calledSelector(n ast.Node) *ast.SelectorExpr {
	call, ok := n.(*ast.CallExpr)
	if !ok {
		return nil
	}
	sel, _ := call.Fun.(*ast.SelectorExpr)
	return sel
}

// isNetns reports whether sel is netns.something.
func isNetns(sel *ast.SelectorExpr) bool {
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "netns"
}
