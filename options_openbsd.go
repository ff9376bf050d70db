package keepalive

func platform() *sockopts { return openbsdOptions }
