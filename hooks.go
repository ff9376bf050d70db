package keepalive

import (
	"context"
	"reflect"
	"syscall"
)

// The hooks the library installs on a net.Dialer or net.ListenConfig
// wrap the one it had before, which runs first. Applying a Config again
// must replace the library's hook, not stack a second one on it, so the
// library recognises its own hooks and takes the original back out:
//
//   - every hook it installs is made by chainControl or
//     chainControlContext, so its code pointer (reflect's Pointer of a
//     func value, shared by every closure of one function literal) is
//     that literal's;
//   - called with an *unwrapRC as its RawConn, such a hook does nothing
//     but hand back the hook it wraps.
//
// A hook of anyone else is never called to find out.

type (
	controlFunc        = func(network, address string, rc syscall.RawConn) error
	controlContextFunc = func(ctx context.Context, network, address string, rc syscall.RawConn) error
)

// unwrapRC asks a hook of the library for the hook it wraps. It is never
// used as a RawConn.
type unwrapRC struct {
	syscall.RawConn
	prev        controlFunc
	prevContext controlContextFunc
}

// chainControl returns a hook that runs prev (if not nil), then hook.
// It must not be inlined: each inlined copy of its function literal
// would have a code pointer of its own.
//
//go:noinline
func chainControl(prev, hook controlFunc) controlFunc {
	return func(network, address string, rc syscall.RawConn) error {
		if u, ok := rc.(*unwrapRC); ok {
			u.prev = prev
			return nil
		}
		if prev != nil {
			if err := prev(network, address, rc); err != nil {
				return err
			}
		}
		return hook(network, address, rc)
	}
}

// chainControlContext is chainControl for ControlContext hooks.
//
//go:noinline
func chainControlContext(prev, hook controlContextFunc) controlContextFunc {
	return func(ctx context.Context, network, address string, rc syscall.RawConn) error {
		if u, ok := rc.(*unwrapRC); ok {
			u.prevContext = prev
			return nil
		}
		if prev != nil {
			if err := prev(ctx, network, address, rc); err != nil {
				return err
			}
		}
		return hook(ctx, network, address, rc)
	}
}

var (
	chainControlPC        = reflect.ValueOf(chainControl(nil, nil)).Pointer()
	chainControlContextPC = reflect.ValueOf(chainControlContext(nil, nil)).Pointer()
)

// userControl returns the hook that f, if the library installed it,
// wraps; any other f is returned as it is.
func userControl(f controlFunc) controlFunc {
	if f == nil || reflect.ValueOf(f).Pointer() != chainControlPC {
		return f
	}
	u := &unwrapRC{}
	f("", "", u)
	return u.prev
}

// userControlContext is userControl for ControlContext hooks.
func userControlContext(f controlContextFunc) controlContextFunc {
	if f == nil || reflect.ValueOf(f).Pointer() != chainControlContextPC {
		return f
	}
	u := &unwrapRC{}
	f(context.Background(), "", "", u)
	return u.prevContext
}
