package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSystem(t *testing.T) {
	needLinux(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-system"}, &out, &out))
	assert.Contains(t, out.String(), "a dead idle peer is noticed after")
	assert.Contains(t, out.String(), "tcp_retries2 = ")
}
