//go:build (unix && !linux) || windows

package keepalive

// settleSettings reads once the settings and the bound they make, and a
// dialed socket's local address.
func settleSettings(fd uintptr, e *entry) {
	if e.settled {
		return
	}
	e.settled = true
	if platform().readBack {
		if ka, err := getFD(fd); err == nil {
			e.ka, e.bound = ka, ka.Timeout()
		}
	}
	if !e.local.IsValid() {
		e.local = localAddr(fd)
	}
}
