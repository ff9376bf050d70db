package keepalive

func platform() *sockopts { return freebsdOptions }
