package netns

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// A role is what a re-executed test binary plays (an End, a Flow),
// described in JSON in an environment variable.
type role interface{ run() error }

// play plays the role of type R described by the variable env, if it is
// set, and exits: 2 if the description does not parse, 1 if the role
// failed.
func play[R role](env, what string) {
	spec := os.Getenv(env)
	if spec == "" {
		return
	}
	var r R
	if err := json.Unmarshal([]byte(spec), &r); err != nil {
		fmt.Fprintln(os.Stderr, what+":", err)
		os.Exit(2)
	}
	if err := r.run(); err != nil {
		fmt.Fprintln(os.Stderr, what+":", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// start runs the test binary again in namespace ns, playing r.
func start[R role](n *Network, ns, env string, r R) *Process {
	n.t.Helper()
	spec, err := json.Marshal(r)
	if err != nil {
		n.t.Fatal(err)
	}
	return n.Run(ns, env+"="+string(spec))
}

// parse reads the JSON a role printed after "result".
func parse[T any](s string) (T, error) {
	var v T
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}

// needed stops a test that cannot run here: it fails when CI is "true"
// (.ci/run installs everything the tests need, and a test that silently
// skips in CI proves nothing) and skips elsewhere, counted in Summary.
func needed(t testing.TB, why string) {
	t.Helper()
	if strings.EqualFold(os.Getenv("CI"), "true") {
		t.Fatal("CI=true but the test cannot run: " + why)
		return // a testing.TB's Fatal does not return; a recorder's may
	}
	Skip(t, why)
}
