package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/ssokit/ssokit/pkg/netutil"
)

// Listen opens a TCP listener with errors that say how to fix them: a port
// in use names the port and the flag to change. Its errors are usage
// errors (exit 2): the address given cannot be used. what names the server
// ("provider", "proxy") and flag the option that sets the address.
func Listen(addr, what, flag string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		_, port, _ := net.SplitHostPort(addr)
		return nil, FlagErrorf("the %s cannot listen on %s: port %s is already in use (another ssokit?); stop that process or pick another port with %s", what, addr, port, flag)
	}
	return nil, &FlagError{Err: fmt.Errorf("the %s cannot listen on %s: %w (set %s to a host:port such as 127.0.0.1:0)", what, addr, err, flag)}
}

// WarnNonLoopback prints the one-line warning for a server (what:
// "provider" or "proxy") listening beyond this machine, bold red on a
// colour terminal; `provider`, `proxy` and `up` all call it. It never
// refuses: in a container 0.0.0.0 is the only bind other containers and
// published ports reach, and the line says so.
func WarnNonLoopback(w io.Writer, addr, what string, color bool) {
	if netutil.IsLoopbackAddr(addr) {
		return
	}
	risk := "it issues real-looking tokens to anyone who can reach it"
	if what == "proxy" {
		risk = "anyone who can reach it reaches every dev server behind it, signed in on gated routes"
	}
	msg := fmt.Sprintf("WARNING: the %s listens on %s, reachable from other machines: %s (fine in a container; elsewhere bind 127.0.0.1)", what, addr, risk)
	if color {
		msg = "\x1b[1;31m" + msg + "\x1b[0m"
	}
	fmt.Fprintln(w, msg)
}

// Serve runs srv on ln until ctx ends, then shuts it down: open event
// streams and streamed responses end at once (netutil.Server), other
// requests in flight get up to 5 s.
func Serve(ctx context.Context, srv *netutil.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
		return nil
	}
}
