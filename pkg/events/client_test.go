package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadStream(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	stream := ": comment\r\n" +
		"event: token\r\n" +
		`data: {"kind":"token","client_id":"shell","user":"alice","sid":"s-1","token":"a.b.c","token_type":"id_token"}` + "\r\n\r\n" +
		"id: 7\n" +
		"data: {\"kind\":\"login\",\n" +
		"data: \"user\":\"bob\"}\n\n" +
		"data: not json\n\n" +
		`data: {"kind":"token","token":"` + big + `"}` + "\n\n" +
		"\n\n" // blank lines without data dispatch nothing
	var got []Event
	err := ReadStream(strings.NewReader(stream), func(e Event) error { got = append(got, e); return nil })
	if err == nil || err.Error() != "EOF" {
		t.Fatalf("err = %v, want EOF at end of stream", err)
	}
	if len(got) != 4 {
		t.Fatalf("%d events: %+v", len(got), got)
	}
	if got[0].ClientID != "shell" || got[0].SID != "s-1" || got[0].TokenType != "id_token" || got[0].Token != "a.b.c" {
		t.Errorf("event 0 %+v", got[0])
	}
	if got[1].Kind != "login" || got[1].User != "bob" {
		t.Errorf("multi-line data: %+v", got[1])
	}
	if got[2].Kind != "unparsable" {
		t.Errorf("bad JSON: %+v", got[2])
	}
	if len(got[3].Token) != 1<<20 {
		t.Errorf("1 MB line cut to %d", len(got[3].Token))
	}
}

// sseServer serves each connection one batch of events, then closes, so
// Follow must reconnect to get the next batch.
func sseServer(t *testing.T, batches ...[]Event) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != Path || r.URL.Query().Get("replay") != "1" {
			http.NotFound(w, r)
			return
		}
		n := int(conns.Add(1)) - 1
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		if n < len(batches) {
			for _, e := range batches[n] {
				b, _ := json.Marshal(e)
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, b)
			}
			w.(http.Flusher).Flush()
			return
		}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestFollowReconnects(t *testing.T) {
	srv, conns := sseServer(t,
		[]Event{{Kind: "token", Token: "t1", User: "alice"}},
		[]Event{{Kind: "token", Token: "t2", User: "bob"}},
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs, status := Follow(ctx, srv.Client(), StreamURL(srv.URL+"/", true))
	var users []string
	var states []string
	timeout := time.After(10 * time.Second)
	for len(users) < 2 {
		select {
		case e := <-evs:
			users = append(users, e.User)
		case s := <-status:
			states = append(states, fmt.Sprint(s.Connected))
		case <-timeout:
			t.Fatalf("timeout; users %v states %v", users, states)
		}
	}
	if strings.Join(users, ",") != "alice,bob" || conns.Load() < 2 {
		t.Errorf("users %v after %d connections", users, conns.Load())
	}
	cancel()
	for range evs {
	}
}

func TestFollowErrors(t *testing.T) {
	notSSE := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	defer notSSE.Close()
	tests := []struct{ url, want string }{
		{notSSE.URL + Path, "is not an event stream"},
		{"http://127.0.0.1:1" + Path, "connection refused"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		_, status := Follow(ctx, nil, tt.url)
		s := <-status
		cancel()
		if s.Connected || s.Err == nil || !strings.Contains(s.Err.Error(), tt.want) {
			t.Errorf("%s: %+v, want …%s…", tt.url, s, tt.want)
		}
	}
	for base, want := range map[string]string{
		"http://localhost:9400/":                        "http://localhost:9400/_ssokit/events?replay=1&tokens=full",
		"http://localhost:9400/_ssokit/events":          "http://localhost:9400/_ssokit/events?tokens=full",
		"http://localhost:9400/_ssokit/events?tokens=x": "http://localhost:9400/_ssokit/events?tokens=x",
	} {
		if got := StreamURL(base, true); got != want {
			t.Errorf("StreamURL(%s) = %s, want %s", base, got, want)
		}
	}
	if got := StreamURL("http://localhost:9400", false); got != "http://localhost:9400/_ssokit/events?replay=1" {
		t.Errorf("StreamURL without full tokens = %s", got)
	}
	if !errors.Is(context.Canceled, context.Canceled) {
		t.Fatal()
	}
}
