package main

import "os"

var stopSignals = []os.Signal{os.Interrupt}

// Plan 9 reports network errors as strings, not errno values.
var errnoWords []struct {
	err   error
	words string
}

// peerResets: none that Plan 9 tells apart.
var peerResets []error
