package netns

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Available reports why the harness cannot run here, or "" if it can.
func Available() string {
	if os.Geteuid() != 0 {
		return "needs root to create network namespaces"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "needs the ip command (iproute2)"
	}
	return ""
}

// NFTAvailable reports why a Middlebox cannot be built here, or "" if
// it can.
func NFTAvailable() string {
	if why := Available(); why != "" {
		return why
	}
	if _, err := exec.LookPath("nft"); err != nil {
		return "needs the nft command (apt-get install nftables)"
	}
	return ""
}

// NeedNFT skips the test when a Middlebox cannot be built here, but
// fails it under CI (CI=true), where .ci/run installs nftables: a
// middlebox test that silently skips in CI proves nothing.
func NeedNFT(t testing.TB) {
	t.Helper()
	Track(t)
	switch why := NFTAvailable(); {
	case why == "":
	case Available() == "":
		needed(t, why)
	default:
		Skip(t, why)
	}
}

// Missing reports a server program the test needs and did not find: the
// test fails when CI is "true" (CI installs every server) and skips
// elsewhere, naming the Debian package that has it.
func Missing(t testing.TB, program, debianPackage string) {
	t.Helper()
	needed(t, fmt.Sprintf("%s not found: install Debian's %s package", program, debianPackage))
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
