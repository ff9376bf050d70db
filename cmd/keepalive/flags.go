package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/tcpkeepalive/keepalive"
)

// parseError finishes what fs.Parse printed: the whole usage for -h, one
// line pointing at it after the precise error of a bad flag.
func parseError(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(fs.Output(), "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return err
	}
	fmt.Fprintf(fs.Output(), "run '%s -h' for the flags\n", fs.Name())
	return reported{err}
}

// systemAlone refuses another flag (but -json) given with -system: it
// prints the kernel's defaults, which no other flag changes, so the
// other flag is a mistake to say, not to ignore.
func systemAlone(fs *flag.FlagSet) error {
	if fs.Lookup("system").Value.String() != "true" {
		return nil
	}
	var other string
	fs.Visit(func(f *flag.Flag) {
		if other == "" && f.Name != "system" && f.Name != "json" {
			other = f.Name
		}
	})
	if other != "" {
		return fmt.Errorf("-system prints the system's defaults, which -%s does not change: give it alone (or with -json)", other)
	}
	return nil
}

// configFlag is -config: the text form, then the running system's
// limits, which the text form leaves to Validate, so that a value the
// kernel would refuse is a bad flag like any other.
type configFlag struct{ c *keepalive.Config }

func (f configFlag) String() string {
	if f.c == nil {
		return ""
	}
	return f.c.String()
}

// Set reads the library's text form (Config.UnmarshalText, within= and
// under= included), then checks the running system's limits, which the
// text form leaves to Validate, so that a value the kernel would refuse
// is a bad flag like any other. The text form's errors say "system", as
// an operator types it, and keep their *keepalive.ConfigError.
func (f configFlag) Set(s string) error {
	c, err := parseConfig(s)
	if err != nil {
		return err
	}
	*f.c = c
	return nil
}

// parseConfig is -config's value as a Config the running system takes.
func parseConfig(s string) (keepalive.Config, error) {
	var c keepalive.Config
	if err := c.UnmarshalText([]byte(s)); err != nil {
		return keepalive.Config{}, err
	}
	if err := c.Validate(); err != nil {
		return keepalive.Config{}, err
	}
	return c, nil
}

// given reports whether the flag name was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	var set bool
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
