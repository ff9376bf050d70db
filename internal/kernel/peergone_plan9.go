package kernel

// PeerGone is empty: Plan 9 reports network errors as strings, not
// numbers, and none is matched yet.
var PeerGone []Errno
