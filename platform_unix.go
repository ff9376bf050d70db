//go:build unix

package keepalive

import (
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// platform is the running system's table (tableFor) with the option
// numbers golang.org/x/sys gives for it (numbers, in the system's
// options file), chosen once.
var platform = sync.OnceValue(func() *sockopts {
	n := numbers
	n.solSocket, n.soKeepAlive, n.ipprotoTCP = unix.SOL_SOCKET, unix.SO_KEEPALIVE, unix.IPPROTO_TCP
	return tableFor(runtime.GOOS, release()).native(n)
})
