package events

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRingKeepsTheLastEventsInOrder(t *testing.T) {
	b := NewBus(3)
	for i := range 5 {
		b.Publish(Event{Kind: fmt.Sprint(i)})
	}
	var got []string
	for _, e := range b.Recent() {
		got = append(got, e.Kind)
	}
	if strings.Join(got, ",") != "2,3,4" {
		t.Fatalf("recent = %v, want 2,3,4", got)
	}
	ch, cancel := b.Subscribe(true)
	defer cancel()
	for _, want := range []string{"2", "3", "4"} {
		if e := <-ch; e.Kind != want {
			t.Fatalf("replay %q, want %q", e.Kind, want)
		}
	}
}

// A subscriber that never reads must not block the provider: Publish
// completes, the subscriber keeps the first events its buffer holds (256)
// in order and loses the rest, and once it reads again it gets new events.
// The deadline guards only against a hang; nothing is timed.
func TestSlowSubscriberDoesNotBlockPublish(t *testing.T) {
	b := NewBus(0)
	slow, cancel := b.Subscribe(false) // not read while publishing
	defer cancel()
	const n = 10_000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			b.Publish(Event{Kind: KindToken, Detail: fmt.Sprint(i)})
		}
	}()
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("Publish blocked on a subscriber that does not read")
	}
	var got []string
	for len(got) <= n {
		select {
		case e := <-slow:
			got = append(got, e.Detail)
			continue
		default:
		}
		break
	}
	if len(got) != 256 {
		t.Fatalf("the slow subscriber holds %d events, want its buffer's 256 (the rest dropped)", len(got))
	}
	for i, d := range got {
		if d != fmt.Sprint(i) {
			t.Fatalf("event %d is %q, want %d: the kept events are the first ones, in order", i, d, i)
		}
	}
	b.Publish(Event{Kind: KindLogout, Detail: "after"})
	select {
	case e := <-slow:
		if e.Detail != "after" {
			t.Fatalf("after catching up the subscriber got %q, want the new event", e.Detail)
		}
	case <-ctx.Done():
		t.Fatal("a subscriber that caught up gets no new events")
	}
}

func TestServeSSE(t *testing.T) {
	b := NewBus(10)
	b.Publish(Event{Kind: KindLogin, User: "alice"})
	srv := httptest.NewServer(http.HandlerFunc(b.ServeSSE))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"?replay=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	go b.Publish(Event{Kind: KindToken, ClientID: "shell", Token: "eyJ.x.y", TokenType: "access_token"})
	sc := bufio.NewScanner(resp.Body)
	var kinds []string
	for sc.Scan() && len(kinds) < 2 {
		line := sc.Text()
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var e Event
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				t.Fatal(err)
			}
			kinds = append(kinds, e.Kind+":"+e.User+e.ClientID)
		}
	}
	if strings.Join(kinds, " ") != "login:alice token:shell" {
		t.Fatalf("events %v", kinds)
	}
}

func BenchmarkPublish(b *testing.B) {
	bus := NewBus(1000)
	_, cancel := bus.Subscribe(false)
	defer cancel()
	e := Event{Kind: KindToken, ClientID: "shell", Token: strings.Repeat("x", 800)}
	for b.Loop() {
		bus.Publish(e)
	}
}

func TestRedact(t *testing.T) {
	for tok, want := range map[string]string{
		"": "",
		"eyJhbGc.eyJzdWIi.c2lnbmF0dXJlLXNpZ25hdHVyZQ": "eyJhbGc.eyJzdWIi.c2lnbmF0…",
		"eyJhbGc.eyJzdWIi.abc":                        "eyJhbGc.eyJzdWIi.a…",
		"eyJhbGc.eyJzdWIi.":                           "eyJhbGc.eyJzdWIi.…",
		"opaque-refresh-token-0123456":                "opaque-r…",
		"short":                                       "sh…",
	} {
		if got := Redact(tok); got != want {
			t.Errorf("Redact(%q) = %q, want %q", tok, got, want)
		}
	}
}
