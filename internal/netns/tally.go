package netns

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// The tally of integration tests: which ran and which skipped, and why,
// for the line Summary prints after the run. Summarised tracks every
// top-level test named TestIntegration*, so such a test is counted
// however it skips (t.Skip, a helper's t.Skip, NeedNFT, Missing); Track
// counts any other test or subtest (New, Skip, NeedNFT and Missing call
// it), and Skip records the reason.
var tally struct {
	mu      sync.Mutex
	tests   map[string]*tallied
	reasons map[string]string // test name -> why it skipped
}

type tallied struct{ done, skipped, failed bool }

// Track counts t in Summary: once t ends, as run (and failed, if so) or
// as skipped. Tracking the same test again does nothing.
func Track(t testing.TB) {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	if tally.tests == nil {
		tally.tests, tally.reasons = map[string]*tallied{}, map[string]string{}
	}
	if tally.tests[t.Name()] != nil {
		return
	}
	rec := &tallied{}
	tally.tests[t.Name()] = rec
	t.Cleanup(func() {
		tally.mu.Lock()
		defer tally.mu.Unlock()
		rec.done, rec.skipped, rec.failed = true, t.Skipped(), t.Failed()
	})
}

// Skip skips t, counted in Summary with the reason why.
func Skip(t testing.TB, why string) {
	t.Helper()
	Track(t)
	tally.mu.Lock()
	tally.reasons[t.Name()] = why
	tally.mu.Unlock()
	t.Skip("skipping: " + why)
}

// Summary returns one line on the integration tests of the run: how many
// ran (and failed), how many skipped and why, naming them when few. It
// returns "" when none was tracked (none selected, or not Linux).
// A test whose subtests are tracked (they build their own Network, say)
// counts through them, one each.
func Summary() string {
	line, _ := summary()
	return line
}

func summary() (line string, skips int) {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	var ran, failed int
	skipped := map[string][]string{} // reason -> tests
	for name, rec := range tally.tests {
		switch {
		case !rec.done, hasTrackedSubtest(name):
			// A test counts through its tracked subtests, if any.
		case rec.skipped:
			why, ok := tally.reasons[name]
			if !ok {
				why = "skipped by the test itself (see go test -v)"
			}
			skipped[why] = append(skipped[why], name)
		default:
			ran++
			if rec.failed {
				failed++
			}
		}
	}
	if ran+len(skipped) == 0 {
		return "", 0
	}
	var b strings.Builder
	fmt.Fprintf(&b, "integration: %d ran", ran)
	if failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", failed)
	}
	var parts []string
	for _, why := range slices.Sorted(maps.Keys(skipped)) {
		names := skipped[why]
		slices.Sort(names)
		skips += len(names)
		part := fmt.Sprintf("%s: %d", why, len(names))
		if len(names) <= 3 {
			part += " (" + strings.Join(names, ", ") + ")"
		}
		parts = append(parts, part)
	}
	fmt.Fprintf(&b, ", %d skipped", skips)
	if len(parts) > 0 {
		b.WriteString("; " + strings.Join(parts, "; "))
	}
	return b.String(), skips
}

func hasTrackedSubtest(name string) bool {
	for other := range tally.tests {
		if strings.HasPrefix(other, name+"/") {
			return true
		}
	}
	return false
}

// A Summarised test main prints Summary after the tests ran:
// goleak.VerifyTestMain(netns.Summarised{m}) or
// os.Exit(netns.Summarised{m}.Run()). go test shows it with -v, or when
// the package fails. With KEEPALIVE_NO_SKIP=1 or CI=true in the
// environment, a skipped integration test fails the run, for a machine
// (CI) where every one must run. Every package with TestIntegration*
// tests runs them under it (TestEveryIntegrationTestCounted checks).
type Summarised struct{ M interface{ Run() int } }

// Run runs the tests and prints the summary. Every top-level test whose
// name starts with TestIntegration is tracked before its first line runs.
// With KEEPALIVE_NO_SKIP=1 or CI=true, a skipped integration test fails
// the run.
func (s Summarised) Run() int {
	if err := trackIntegration(s.M); err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	code := s.M.Run()
	line, skips := summary()
	if line == "" {
		return code
	}
	fmt.Println(line)
	if why := mustRun(); code == 0 && skips > 0 && why != "" {
		fmt.Printf("FAIL: %d integration tests skipped, and %s\n", skips, why)
		return 1
	}
	return code
}

// mustRun says why a skipped integration test fails the run here, or "".
func mustRun() string {
	switch {
	case os.Getenv("KEEPALIVE_NO_SKIP") == "1":
		return "KEEPALIVE_NO_SKIP=1"
	case strings.EqualFold(os.Getenv("CI"), "true"):
		return "CI=true"
	}
	return ""
}

// trackIntegration wraps each TestIntegration* test of m so that it calls
// Track first. testing.M keeps its tests in an unexported field (since
// Go 1.4); should that change, the run fails here rather than count
// nothing.
func trackIntegration(m interface{ Run() int }) error {
	tm, ok := m.(*testing.M)
	if !ok {
		return nil // not a real test main: nothing to wrap
	}
	f := reflect.ValueOf(tm).Elem().FieldByName("tests")
	if !f.IsValid() || f.Type() != reflect.TypeFor[[]testing.InternalTest]() {
		return errors.New("netns: testing.M has no tests []testing.InternalTest any more: " +
			"cannot count integration tests (update internal/netns/tally.go)")
	}
	tests := *(*[]testing.InternalTest)(unsafe.Pointer(f.UnsafeAddr()))
	for i, test := range tests {
		if strings.HasPrefix(test.Name, "TestIntegration") {
			tests[i].F = func(t *testing.T) {
				Track(t)
				test.F(t)
			}
		}
	}
	return nil
}
