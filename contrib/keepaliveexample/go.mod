module github.com/tcpkeepalive/keepalive/contrib/keepaliveexample

go 1.26.0

replace (
	github.com/tcpkeepalive/keepalive => ../..
	github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc => ../keepalivegrpc
	github.com/tcpkeepalive/keepalive/contrib/keepalivehttp => ../keepalivehttp
	github.com/tcpkeepalive/keepalive/contrib/keepalivepgx => ../keepalivepgx
	github.com/tcpkeepalive/keepalive/contrib/keepaliveredis => ../keepaliveredis
)

require (
	github.com/jackc/pgx/v5 v5.13.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/stretchr/testify v1.12.1
	github.com/tcpkeepalive/keepalive v0.0.0-00010101000000-000000000000
	github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc v0.0.0-00010101000000-000000000000
	github.com/tcpkeepalive/keepalive/contrib/keepalivehttp v0.0.0-00010101000000-000000000000
	github.com/tcpkeepalive/keepalive/contrib/keepalivepgx v0.0.0-00010101000000-000000000000
	github.com/tcpkeepalive/keepalive/contrib/keepaliveredis v0.0.0-00010101000000-000000000000
	google.golang.org/grpc v1.85.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
