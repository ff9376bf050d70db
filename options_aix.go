package keepalive

func platform() *sockopts { return aixOptions }
