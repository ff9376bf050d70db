//go:build linux && !race

package integration_test

const raceEnabled = false
