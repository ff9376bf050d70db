package keepalive

func platform() *sockopts { return darwinOptions }
