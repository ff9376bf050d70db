package kernel

import "syscall"

// PeerGone is empty: Plan 9 reports network errors as strings, not
// numbers, and none is matched yet.
var PeerGone []Errno

// Dropped stands in for the error of a connection dropped earlier: Plan 9
// has no socket state that the library reads, so nothing returns it.
var Dropped error = syscall.EIO
