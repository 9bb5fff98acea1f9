package inspect

import "testing"

// The status line names a tenant's event by its tenant; a root event reads
// as before.
func TestLastEventNamesTheTenant(t *testing.T) {
	m := New(Options{TickInterval: -1}, nil)
	m.Update(eventMsg{Kind: "login", ClientID: "spa", User: "carol", Tenant: "acme"})
	if m.lastEvt != "acme: login spa carol" {
		t.Errorf("tenant event: %q", m.lastEvt)
	}
	m.Update(eventMsg{Kind: "login", ClientID: "shell", User: "alice"})
	if m.lastEvt != "login shell alice" {
		t.Errorf("root event: %q", m.lastEvt)
	}
}
