//go:build unix && !dragonfly && (!solaris || illumos)

package keepalive

// release is empty: this system's table does not depend on its release
// (DragonFly's and Oracle Solaris's do: options_dragonfly.go,
// options_solaris.go).
func release() string { return "" }
