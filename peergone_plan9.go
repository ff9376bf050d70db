package keepalive

// plan9 reports network errors as strings, not numbers; none is matched
// yet, so IsPeerGone is false there.
var peerGoneErrors []error
