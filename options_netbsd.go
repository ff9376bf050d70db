package keepalive

func platform() *sockopts { return netbsdOptions }
