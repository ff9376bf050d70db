package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

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

// systemAlone: -system prints the kernel's defaults, which no other flag
// changes, so another flag given with it (but -json) is a mistake to
// say, not to ignore.
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

// Set reads the text form (Config.UnmarshalText), or the command's own
// keys for a bound: within=D for keepalive.Within(D), and under=N to
// stay under a middlebox that forgets flows idle N (Config.Under), which
// also goes with the text form's keys. "within=30s,under=350s": a dead
// peer noticed within 30s, across a NAT that forgets idle flows after
// 350s. An operator types "system", not keepalive.System: the library's
// errors are reworded so.
func (f configFlag) Set(s string) error {
	c, err := parseConfig(s)
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), "keepalive.System", `"system"`))
	}
	*f.c = c
	return nil
}

func parseConfig(s string) (keepalive.Config, error) {
	var within, under time.Duration
	var rest []string
	for pair := range strings.SplitSeq(s, ",") {
		key, value, _ := strings.Cut(pair, "=")
		var d *time.Duration
		switch strings.TrimSpace(key) {
		case "within":
			d = &within
		case "under":
			d = &under
		default:
			rest = append(rest, pair)
			continue
		}
		if *d != 0 {
			return keepalive.Config{}, fmt.Errorf("%s= given twice", strings.TrimSpace(key))
		}
		v, err := time.ParseDuration(strings.TrimSpace(value))
		if err != nil || v <= 0 {
			return keepalive.Config{}, fmt.Errorf("%s=%s: want a positive duration such as 30s", strings.TrimSpace(key), strings.TrimSpace(value))
		}
		*d = v
	}
	var c keepalive.Config
	switch {
	case within > 0 && len(rest) > 0:
		return c, fmt.Errorf("within= sets idle, interval, count and user-timeout: give it alone (or with under=), not with %q", strings.Join(rest, ","))
	case within > 0:
		c = keepalive.Within(within)
	case len(rest) == 0 && under > 0:
		c = defaultConfig // under= alone: the command's default, kept under N
	default:
		if err := c.UnmarshalText([]byte(strings.Join(rest, ","))); err != nil {
			return c, err
		}
	}
	if under > 0 {
		c = c.Under(under)
	}
	return c, nil
}

// given reports whether the flag name was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	var set bool
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
