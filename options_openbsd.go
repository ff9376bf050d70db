package keepalive

// numbers: OpenBSD has no per-socket keep-alive timers.
var numbers = optionNumbers{}
