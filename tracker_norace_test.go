//go:build !race

package keepalive_test

const raceEnabled = false
