package netns

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// Sysctl sets a sysctl (dotted: "net.mptcp.close_timeout") in namespace
// ns, one of this Network's, and checks that it holds.
func (n *Network) Sysctl(ns, key, value string) {
	n.t.Helper()
	n.run("ip", "netns", "exec", ns, "sh", "-c", `echo "$1" > "$2"`, "sh", value, sysctlPath(key))
	if got := n.ReadSysctl(ns, key); got != value {
		n.t.Fatalf("sysctl %s in %s: set %q, reads %q", key, ns, value, got)
	}
}

// ReadSysctl reads a sysctl in namespace ns.
func (n *Network) ReadSysctl(ns, key string) string {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "cat", sysctlPath(key)).CombinedOutput()
	if err != nil {
		n.t.Fatalf("reading sysctl %s in %s: %v: %s", key, ns, err, out)
	}
	return strings.TrimSpace(string(out))
}

func sysctlPath(key string) string {
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
}
