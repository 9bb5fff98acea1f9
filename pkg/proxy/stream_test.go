package proxy

import (
	"bufio"
	"context"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// streamUpstream writes a first part, flushes, then waits for release
// before writing the rest: a proxy that buffers never delivers the first
// part, and the test's read of it would block.
func streamUpstream(t *testing.T, contentType, first, rest string) (*httptest.Server, chan struct{}) {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, first)
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, rest)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return srv, release
}

func TestStreamsUnbuffered(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, first, rest string
	}{
		{"server-sent events", "text/event-stream", "data: one\n\n", "data: two\n\n"},
		{"chunked", "application/x-ndjson", "{\"n\":1}\n", "{\"n\":2}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, release := streamUpstream(t, tc.contentType, tc.first, tc.rest)
			_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: up.URL}}})

			// The deadline only guards against a hang; it asserts no timing.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, px.URL+"/events", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.ContentLength != -1 {
				t.Errorf("ContentLength = %d, want -1 (streamed)", resp.ContentLength)
			}
			got := make([]byte, len(tc.first))
			if _, err := io.ReadFull(resp.Body, got); err != nil {
				t.Fatalf("reading the first part before the upstream finished: %v (the proxy buffers)", err)
			}
			if string(got) != tc.first {
				t.Fatalf("first part = %q, want %q", got, tc.first)
			}
			close(release)
			rest, err := io.ReadAll(resp.Body)
			if err != nil || string(rest) != tc.rest {
				t.Errorf("rest = %q, %v; want %q", rest, err, tc.rest)
			}
		})
	}
}

func TestWebSocketEcho(t *testing.T) {
	var sawUpgrade sync.Map
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawUpgrade.Store("path", r.URL.Path)
		sawUpgrade.Store("host", r.Header.Get("X-Forwarded-Host"))
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"vite-hmr"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}))
	t.Cleanup(up.Close)
	log := &testutil.SyncBuffer{}
	_, px := startProxy(t, Options{Routes: []Route{{Name: "shell", Prefix: "/shell", Upstream: up.URL, StripPrefix: true}}, AccessLog: log})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(px.URL, "http") + "/shell/hmr"
	c, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"vite-hmr"}})
	if err != nil {
		t.Fatalf("dial %s through the proxy: %v", wsURL, err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	if resp.StatusCode != http.StatusSwitchingProtocols || c.Subprotocol() != "vite-hmr" {
		t.Errorf("status %d subprotocol %q, want 101 vite-hmr", resp.StatusCode, c.Subprotocol())
	}
	for _, msg := range []string{"hello", "update /src/App.tsx", strings.Repeat("x", 70000)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.MessageText || string(got) != "echo: "+msg {
			t.Errorf("echo of %d bytes = %d bytes %.40q", len(msg), len(got), got)
		}
	}
	if p, _ := sawUpgrade.Load("path"); p != "/hmr" {
		t.Errorf("upstream saw path %v, want /hmr", p)
	}
	if h, _ := sawUpgrade.Load("host"); h != strings.TrimPrefix(px.URL, "http://") {
		t.Errorf("upstream saw X-Forwarded-Host %v", h)
	}
	c.Close(websocket.StatusNormalClosure, "bye")
	lines := waitLines(t, log, 1)
	if !strings.Contains(lines[0], " 101 ") {
		t.Errorf("access log line %q, want status 101", lines[0])
	}
}

// TestRequestSmuggling sends ambiguous framings on a raw connection and
// checks the upstream never receives a request the proxy did not frame
// itself. Most of the work is net/http's; this test pins that it does it.
func TestRequestSmuggling(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
	}))
	t.Cleanup(up.Close)
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: up.URL}}})
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"

	for _, tc := range []struct {
		name       string
		raw        string
		wantStatus int
		wantSeen   []string // requests the upstream receives
	}{
		{"CL.TE: TE wins, connection closed after", "POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 200, []string{"POST /a "}},
		{"TE.CL: TE wins, connection closed after", "POST /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n" + smuggled, 200, []string{"POST /a "}},
		{"two different Content-Lengths", "POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n" + smuggled, 400, nil},
		{"Content-Length list", "POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0, 40\r\n\r\n" + smuggled, 400, nil},
		{"signed Content-Length", "POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: +0\r\n\r\n" + smuggled, 400, nil},
		{"unknown transfer coding", "POST /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: xchunked\r\nContent-Length: 0\r\n\r\n" + smuggled, 501, nil},
		{"coding list", "POST /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled, 501, nil},
		{"two Transfer-Encodings", "POST /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + smuggled, 501, nil},
		{"space before colon", "POST /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + smuggled, 400, nil},
		{"bare LF in a chunk line", "POST /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2;\nxx\r\n0\r\n\r\n" + smuggled, 400, []string{"POST /a "}},
		{"plain keep-alive pipelining still works", "GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n" + smuggled, 200, []string{"GET /a ", "GET /smuggled "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			conn, err := net.Dial("tcp", px.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second)) // a hang guard only
			if _, err := io.WriteString(conn, tc.raw); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			// Everything the connection still carries: a second answer
			// only when pipelining is legitimate.
			answers := 1
			for {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					break
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answers++
				if answers == len(tc.wantSeen) {
					break
				}
			}
			// The upstream may log a request a moment after answering.
			var got []string
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
				mu.Lock()
				got = append([]string(nil), seen...)
				mu.Unlock()
				if len(got) >= len(tc.wantSeen) || time.Now().After(deadline) {
					break
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.wantSeen, "|") {
				t.Errorf("upstream saw %q, want %q", got, tc.wantSeen)
			}
		})
	}
}
