package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const root = "github.com/tcpkeepalive/keepalive"

// placeholder is the version a contrib module requires of the root before
// the root's first tag: only its replace ../.. can satisfy it.
const placeholder = "v0.0.0-00010101000000-000000000000"

var (
	rootTag = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)
)

// requirement is what one go.mod (where: its path, at a tag or in the
// work tree) requires of the root module.
type requirement struct{ where, version string }

// unsatisfiable returns a message for each requirement no tag satisfies:
// a go get of that module ignores its replace directive, so it needs a
// root version that exists. Until the root has a tag (nothing released),
// the placeholder is the only requirement that can be right.
func unsatisfiable(reqs []requirement, tags []string) []string {
	released := map[string]bool{}
	for _, tag := range tags {
		if rootTag.MatchString(tag) {
			released[tag] = true
		}
	}
	var bad []string
	for _, r := range reqs {
		switch {
		case released[r.version]:
		case r.version == placeholder && len(released) == 0:
		case r.version == "":
			bad = append(bad, r.where+": requires nothing of "+root)
		case len(released) == 0:
			bad = append(bad, r.where+": requires "+root+" "+r.version+", but the root has no tag yet: require "+placeholder+" (with replace ../..) until it has")
		default:
			bad = append(bad, r.where+": requires "+root+" "+r.version+", which no tag is: tag the root first, then require that tag (docs/release.md)")
		}
	}
	return bad
}

// parse reads the version of root that gomod requires: a "require root
// vX" line, or a "root vX" line inside a require block. Replace and
// exclude directives, which name the root too, are not requirements.
func parse(where string, gomod []byte) requirement {
	r := requirement{where: where}
	inRequire := false
	for _, line := range strings.Split(string(gomod), "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case inRequire && f[0] == ")":
			inRequire = false
			continue
		case len(f) == 2 && f[1] == "(":
			inRequire = f[0] == "require"
			continue
		case !inRequire && f[0] == "require":
			f = f[1:]
		case !inRequire:
			continue
		}
		if len(f) >= 2 && f[0] == root {
			r.version = f[1]
			return r
		}
	}
	return r
}

// TestReleaseLogic: the check passes before the first tag, and bites once
// tags exist.
func TestReleaseLogic(t *testing.T) {
	for _, tt := range []struct {
		name    string
		version string
		tags    []string
		bad     string // part of the message, "" if satisfiable
	}{
		{name: "no tags, placeholder", version: placeholder},
		{name: "no tags, a version", version: "v0.1.0", bad: "the root has no tag yet"},
		{name: "tagged, placeholder", version: placeholder, tags: []string{"v0.1.0"}, bad: "which no tag is"},
		{name: "tagged, that tag", version: "v0.1.0", tags: []string{"v0.1.0", "contrib/keepalivepgx/v0.1.0"}},
		{name: "tagged, another version", version: "v0.2.0", tags: []string{"v0.1.0"}, bad: "which no tag is"},
		{name: "only a contrib tag", version: "v0.1.0", tags: []string{"contrib/keepalivepgx/v0.1.0"}, bad: "the root has no tag yet"},
		{name: "a pre-release tag", version: "v1.0.0-rc.1", tags: []string{"v1.0.0-rc.1"}},
		{name: "pseudo-version", version: "v0.1.1-0.20260101000000-abcdefabcdef", tags: []string{"v0.1.0"}, bad: "which no tag is"},
		{name: "no requirement", version: "", bad: "requires nothing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := unsatisfiable([]requirement{{"contrib/x/go.mod", tt.version}}, tt.tags)
			if tt.bad == "" {
				assert.Empty(t, bad)
				return
			}
			require.Len(t, bad, 1)
			assert.Contains(t, bad[0], tt.bad)
		})
	}
	assert.Equal(t, requirement{"a", "v1.2.3"}, parse("a", []byte("module x\n\nrequire (\n\tfoo v1.0.0\n\t"+root+" v1.2.3\n)\n")))
	assert.Equal(t, requirement{"a", placeholder}, parse("a", []byte("module x\nrequire "+root+" "+placeholder+"\nreplace "+root+" => ../..\n")))
	assert.Equal(t, requirement{"a", ""}, parse("a", []byte("module x\nrequire "+root+"/contrib/y v1.0.0\n")))
	// A replace block before the requirement (contrib/keepaliveexample's go.mod).
	assert.Equal(t, requirement{"a", placeholder}, parse("a", []byte("module x\n\nreplace (\n\t"+root+" => ../..\n\t"+root+"/contrib/y => ../y\n)\n\nrequire (\n\t"+root+" "+placeholder+" // indirect\n)\n")))
}

// TestReleaseRequirements checks the repository: every contrib module's
// go.mod in the work tree and at each of its tags (contrib/<name>/vX.Y.Z)
// against the root's tags (vX.Y.Z).
func TestReleaseRequirements(t *testing.T) {
	top, err := filepath.Abs("../..")
	require.NoError(t, err)
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", top}, args...)...).Output()
		require.NoError(t, err, "git %s", strings.Join(args, " "))
		return string(out)
	}
	if _, err := exec.LookPath("git"); err != nil {
		if strings.EqualFold(os.Getenv("CI"), "true") {
			t.Fatal("CI=true but git is missing: the check needs the tags")
		}
		t.Skip("skipping: needs git for the tags; CI has it")
	}
	tags := strings.Fields(git("tag", "-l"))
	mods, err := filepath.Glob(filepath.Join(top, "contrib", "*", "go.mod"))
	require.NoError(t, err)
	require.NotEmpty(t, mods)
	var reqs []requirement
	for _, mod := range mods {
		b, err := os.ReadFile(mod)
		require.NoError(t, err)
		rel, _ := filepath.Rel(top, mod)
		reqs = append(reqs, parse(rel, b))
	}
	for _, tag := range tags {
		dir, _, ok := strings.Cut(strings.TrimPrefix(tag, "contrib/"), "/")
		if !strings.HasPrefix(tag, "contrib/") || !ok {
			continue
		}
		path := "contrib/" + dir + "/go.mod"
		reqs = append(reqs, parse(tag+":"+path, []byte(git("show", tag+":"+path))))
	}
	for _, bad := range unsatisfiable(reqs, tags) {
		t.Error(bad)
	}
}
