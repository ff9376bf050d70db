package main

import "os"

var stopSignals = []os.Signal{os.Interrupt}

// peerResets: none that Plan 9 tells apart.
var peerResets []error
