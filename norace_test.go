//go:build linux && !race

package keepalive_test

const raceEnabled = false
