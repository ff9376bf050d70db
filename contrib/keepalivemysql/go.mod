module github.com/tcpkeepalive/keepalive/contrib/keepalivemysql

go 1.26.0

replace github.com/tcpkeepalive/keepalive => ../..

require (
	github.com/go-sql-driver/mysql v1.11.0
	github.com/stretchr/testify v1.12.1
	github.com/tcpkeepalive/keepalive v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
