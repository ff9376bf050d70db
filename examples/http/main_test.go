package main

import (
	"net"
	"net/http"
	"net/http/httptrace"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

const want = "on idle=30s,interval=5s,count=3,user-timeout=45s"

func TestBothEnds(t *testing.T) {
	for name, listen := range map[string]func() (net.Listener, error){"WrapListener": listenWrapped, "ListenConfig": listenConfigured} {
		t.Run(name, func(t *testing.T) {
			ln, err := listen()
			require.NoError(t, err)
			srv := newServer()
			go srv.Serve(ln)
			defer srv.Close()

			client := newClient()
			defer client.CloseIdleConnections()
			var clientConn net.Conn
			req, err := http.NewRequest("GET", "http://"+ln.Addr().String(), nil)
			require.NoError(t, err)
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { clientConn = info.Conn },
			}))
			resp, err := client.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body := make([]byte, 200)
			n, _ := resp.Body.Read(body)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, want, string(body[:n]), "the server's socket")

			require.NotNil(t, clientConn)
			st, err := keepalive.Get(clientConn)
			require.NoError(t, err)
			assert.Equal(t, want, st.String(), "the client's socket")
		})
	}
}
