package provider

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSecondLoginTab: opening a second sign-in tab does not break the
// first one's form (one CSRF binding per browser, a token per pending login).
func TestSecondLoginTab(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	b := newBrowser(t)
	first := b.get(op.authURL("shell", shellCB, newPKCE(), nil))
	second := b.get(op.authURL("shell", shellCB, newPKCE(), nil))
	callbackParams(t, b.signIn(first, "alice", "alice-pw"), shellCB)
	// and the other tab still signs in (a fresh session replaces the first)
	callbackParams(t, b.signIn(second, "alice", "alice-pw"), shellCB)
}

// TestPasswordThrottle: wrong passwords for one user from one address are
// slowed down with a growing lockout and a message that says how long.
func TestPasswordThrottle(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	b := newBrowser(t)
	form := b.get(op.authURL("shell", shellCB, newPKCE(), nil))
	for i := range loginFreeFailures {
		if p := b.signIn(form, "alice", "wrong"); p.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, p.status)
		}
	}
	// locked now: even the right password waits
	p := b.signIn(form, "alice", "alice-pw")
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many wrong passwords for alice") || !strings.Contains(p.body, "try again in") {
		t.Fatalf("after %d wrong passwords: %d\n%s", loginFreeFailures, p.status, p.body)
	}
	if p.header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	// another user is not affected
	if p := b.signIn(form, "bob", "x"); p.status == http.StatusTooManyRequests {
		t.Fatal("another user was locked out too")
	}
	op.clock.Advance(time.Minute)
	callbackParams(t, b.signIn(form, "alice", "alice-pw"), shellCB)
}
