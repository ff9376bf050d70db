// Package fdlimit runs a test process out of file descriptors, as a
// server at its limit is, for the tests of what the library and the
// command do when /proc cannot be opened. It imports nothing of the
// module, so that the library's own (internal) tests can use it too.
// It is test tooling for this module, not API.
package fdlimit
