package events

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// An event names its tenant; a root event's JSON has no tenant key, so a
// reader written before tenants existed reads the same stream.
func TestEventTenantJSON(t *testing.T) {
	root, _ := json.Marshal(Event{Kind: KindLogin, User: "alice"})
	if strings.Contains(string(root), "tenant") {
		t.Errorf("root event: %s", root)
	}
	b, _ := json.Marshal(Event{Kind: KindLogin, Tenant: "acme"})
	var back Event
	if err := json.Unmarshal(b, &back); err != nil || back.Tenant != "acme" || !strings.Contains(string(b), `"tenant":"acme"`) {
		t.Errorf("tenant event %s → %+v %v", b, back, err)
	}
}

// ServeSSEFiltered sends only what keep accepts, replayed events included.
func TestServeSSEFiltered(t *testing.T) {
	b := NewBus(10)
	b.Publish(Event{Kind: KindLogin, Tenant: "beta"})
	b.Publish(Event{Kind: KindLogin, Tenant: "acme", User: "carol"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.ServeSSEFiltered(w, r, func(e Event) bool { return e.Tenant == "acme" })
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"?replay=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	go func() {
		b.Publish(Event{Kind: KindLogout, Tenant: "beta"})
		b.Publish(Event{Kind: KindLogout, Tenant: "acme"})
	}()
	var got []Event
	_ = ReadStream(resp.Body, func(e Event) error {
		got = append(got, e)
		if len(got) == 2 {
			return context.Canceled
		}
		return nil
	})
	if len(got) != 2 || got[0].Tenant != "acme" || got[0].User != "carol" || got[1].Tenant != "acme" || got[1].Kind != KindLogout {
		t.Fatalf("filtered stream: %+v", got)
	}
}
