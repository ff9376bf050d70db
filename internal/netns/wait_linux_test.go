package netns

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A process that ends, or stalls, before the line Wait waits for: the
// error quotes what it printed, such as a Call's result with its error.
func TestWaitSaysWhatItSaw(t *testing.T) {
	p := &Process{lines: make(chan string, 4)}
	p.lines <- `result {"Call":"query","Err":"Error 1045: Access denied"}`
	close(p.lines)
	_, err := p.Wait("inflight", time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `exited before printing "inflight"`)
	assert.Contains(t, err.Error(), "Error 1045: Access denied")

	p = &Process{lines: make(chan string, 4)}
	p.lines <- "ready"
	_, err = p.Wait("result", 10*time.Millisecond)
	assert.True(t, errors.Is(err, ErrNoLine))
	assert.Contains(t, err.Error(), "it printed before:\n\tready")

	p = &Process{lines: make(chan string)}
	close(p.lines)
	_, err = p.Wait("x", time.Second)
	assert.ErrorContains(t, err, "it printed nothing else")
}
