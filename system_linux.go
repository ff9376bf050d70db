package keepalive

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// retransmitLimits reads tcp_retries2 and the largest retransmission
// timeout (tcp_rto_max_ms since Linux 6.15, TCP_RTO_MAX = 120s before).
func retransmitLimits() (retries int, rtoMax time.Duration, err error) {
	if retries, err = readSysctl("tcp_retries2"); err != nil {
		return 0, 0, err
	}
	rtoMax = 120 * time.Second
	if ms, err := readSysctl("tcp_rto_max_ms"); err == nil && ms > 0 {
		rtoMax = time.Duration(ms) * time.Millisecond
	}
	return retries, rtoMax, nil
}

func readSysctl(name string) (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// systemDefaults reads the namespace's sysctls that sockets without
// values of their own use.
func systemDefaults() (Config, error) {
	idle, err1 := readSysctl("tcp_keepalive_time")
	intvl, err2 := readSysctl("tcp_keepalive_intvl")
	count, err3 := readSysctl("tcp_keepalive_probes")
	if err := errors.Join(err1, err2, err3); err != nil {
		return Config{}, err
	}
	return Config{Idle: time.Duration(idle) * time.Second, Interval: time.Duration(intvl) * time.Second, Count: count}, nil
}
