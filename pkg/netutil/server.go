package netutil

import (
	"context"
	"crypto/tls"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of NewServer.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxConns          = 512
)

// ServerOptions tune NewServer; zero values mean the defaults.
type ServerOptions struct {
	// ReadHeaderTimeout bounds reading a request's headers (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (slow
	// bodies). net/http lifts the deadline once the body has been read, so
	// it does not cut a Server-Sent Events stream or a streamed response
	// (TestStreamOutlivesReadTimeout holds that).
	ReadTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle for this long.
	IdleTimeout time.Duration
	// MaxConns caps concurrent connections (WebSockets included); further
	// clients wait in the kernel's accept queue until one closes.
	MaxConns int
	// ErrorLog receives the server's own errors; the standard logger when nil.
	ErrorLog *log.Logger
	// TLS serves HTTPS when set. It is applied above the connection cap (a
	// *tls.Conn must reach http.Server unwrapped for r.TLS and HTTP/2), so
	// give Serve the plain TCP listener.
	TLS *tls.Config
}

// Server is an http.Server hardened for ssokit's servers: header and body
// timeouts, an idle timeout, a connection cap, and no write timeout
// (Server-Sent Events, WebSockets and long downloads are normal). Shutdown
// ends in-flight requests' contexts at once, so an open event stream or a
// streaming response does not hold Ctrl-C for the grace period.
type Server struct {
	*http.Server
	maxConns int
	tls      *tls.Config
}

// NewServer returns a Server for h.
func NewServer(h http.Handler, o ServerOptions) *Server {
	if o.ReadHeaderTimeout == 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxConns == 0 {
		o.MaxConns = DefaultMaxConns
	}
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          o.ErrorLog,
		// Every request's context derives from base; Shutdown cancels it.
		BaseContext: func(net.Listener) context.Context { return base },
	}
	srv.RegisterOnShutdown(cancel)
	return &Server{Server: srv, maxConns: o.MaxConns, tls: o.TLS}
}

// Serve accepts connections on ln, at most MaxConns at a time, over TLS
// when the options asked for it.
func (s *Server) Serve(ln net.Listener) error {
	ln = LimitListener(ln, s.maxConns)
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	return s.Server.Serve(ln)
}

// LimitListener returns a listener that accepts at most n connections at
// once; Accept waits while n are open. A small copy of
// golang.org/x/net/netutil's idea, to keep ssokit free of the dependency.
func LimitListener(l net.Listener, n int) net.Listener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
