package proxy

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// logWriter records the status and body size of a response for the access
// log. It unwraps to the real writer, so http.ResponseController (which
// httputil.ReverseProxy uses to flush and to hijack WebSocket connections)
// reaches the server's own implementation.
type logWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *logWriter) WriteHeader(code int) {
	// 1xx answers other than 101 are informational; the final status
	// comes later.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush sends buffered data to the client; streaming depends on it.
func (w *logWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Hijack hands the connection over, for WebSocket tunnels. The reverse
// proxy writes the 101 answer on the hijacked connection itself, so the log
// records it here.
func (w *logWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return conn, brw, err
}

func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ANSI colours for app names; each route gets one by a hash of its name, so
// an app keeps its colour across reloads and restarts.
var palette = []string{"36", "35", "33", "32", "34", "96", "95", "93", "92", "94"}

// AppColor returns the ANSI SGR colour parameter ("36" for cyan …) the
// access log uses for an app, picked by a hash of its name. `ssokit up`
// colours each app's own output the same way, so one app reads in one
// colour everywhere.
func AppColor(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return palette[h.Sum32()%uint32(len(palette))]
}

// logAccess writes one access-log line:
//
//	15:04:05.000 account   GET  /account/settings 200 1.2kB 3.1ms
func (p *Proxy) logAccess(start time.Time, rt *route, r *http.Request, lw *logWriter) {
	end := p.now()
	status := lw.status
	if status == 0 {
		status = http.StatusOK
	}
	name := "-"
	if rt != nil {
		name = rt.Name
	}
	nameCol := fmt.Sprintf("%-10s", name)
	statusCol := strconv.Itoa(status)
	if p.color {
		nameCol = "\x1b[" + AppColor(name) + "m" + nameCol + "\x1b[0m"
		if rt == nil {
			nameCol = "\x1b[2m" + fmt.Sprintf("%-10s", name) + "\x1b[0m"
		}
		switch {
		case status >= 500 || status == statusClientClosed:
			statusCol = "\x1b[31m" + statusCol + "\x1b[0m"
		case status >= 400:
			statusCol = "\x1b[33m" + statusCol + "\x1b[0m"
		}
	}
	line := fmt.Sprintf("%s %s %-4s %s %s %s %s\n",
		start.Format("15:04:05.000"), nameCol, r.Method, sanitize(r.URL.Path),
		statusCol, formatBytes(lw.bytes), formatDuration(end.Sub(start)))
	p.logMu.Lock()
	_, _ = io.WriteString(p.accessLog, line)
	p.logMu.Unlock()
}

// sanitize keeps terminal escape sequences in a request path out of the log.
func sanitize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

func formatBytes(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + "kB"
	default:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "MB"
	}
}

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms"
	default:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
}
