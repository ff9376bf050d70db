package netns

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// A Role is what the test binary plays when the harness runs it again
// inside a namespace: an End, a Flow, or a Call. Start runs one; Play
// plays it.
type Role interface {
	// role is the Role's name in roleEnv, and the name Play decodes it
	// by.
	role() string
	play(p player) error
}

// roleEnv carries the Role to the test binary run again: its name, a
// space, and the Role in JSON.
const roleEnv = "KEEPALIVE_NETNS_ROLE"

// roles makes the Role of each name, for Play to decode into.
var roles = map[string]func() Role{
	End{}.role():  func() Role { return new(End) },
	Flow{}.role(): func() Role { return new(Flow) },
	Call{}.role(): func() Role { return new(Call) },
}

// player is what a Role may need of the binary that plays it.
type player struct {
	calls    map[string]CallFunc
	peerGone func(error) bool
}

// Play plays the Role the harness started this test binary for, if it
// did, and exits: 0 when the Role ran to its end, 1 if it failed, 2 if
// its description does not parse. Every test binary whose tests Start a
// Role calls it first in its TestMain (or init). calls are the Calls it
// can play, by name (nil if none); peerGone, if not nil, is the
// integration's own check of a Call's error, reported as
// Outcome.Helper.
func Play(calls map[string]CallFunc, peerGone func(error) bool) {
	spec := os.Getenv(roleEnv)
	if spec == "" {
		return
	}
	name, desc, _ := strings.Cut(spec, " ")
	newRole, ok := roles[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "netns: no role %q\n", name)
		os.Exit(2)
	}
	r := newRole()
	if err := json.Unmarshal([]byte(desc), r); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(2)
	}
	if err := r.play(player{calls: calls, peerGone: peerGone}); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Start runs the test binary again in namespace ns, playing r (its
// TestMain calls Play). The process is killed when the test ends.
func (n *Network) Start(ns string, r Role) *Process {
	n.t.Helper()
	env, err := Env(r)
	if err != nil {
		n.t.Fatal(err)
	}
	return n.reexec(ns, env)
}

// Env is the environment variable, "NAME=value", that has Play play r:
// for a test that runs the test binary itself, with output of its own.
func Env(r Role) (string, error) {
	desc, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return roleEnv + "=" + r.role() + " " + string(desc), nil
}

// StartCall is Start(ns, Call{Name: name, Arg: arg}).
func (n *Network) StartCall(ns, name, arg string) *Process {
	n.t.Helper()
	return n.Start(ns, Call{Name: name, Arg: arg})
}

// parse reads the JSON a Role printed after "result".
func parse[T any](s string) (T, error) {
	var v T
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}
