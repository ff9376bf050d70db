package keepalive

func platform() *sockopts { return illumosOptions }
