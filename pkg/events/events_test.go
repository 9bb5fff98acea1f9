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

func TestSlowSubscriberDoesNotBlockPublish(t *testing.T) {
	b := NewBus(0)
	_, cancel := b.Subscribe(false) // never read
	defer cancel()
	for range 10_000 {
		b.Publish(Event{Kind: KindToken})
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
