package provider

import (
	"net"
	"sync"
	"time"
)

// Wrong-password throttling, per username and client address: from the
// loginFreeFailures-th wrong password on, each one locks that pair out for
// twice as long as the last (1 s, 2 s, 4 s … up to loginMaxLockout). Failures are forgotten after loginFailureWindow or a
// successful sign-in. Test users often have no password, and those never fail.
const (
	loginFreeFailures  = 5
	loginMaxLockout    = 5 * time.Minute
	loginFailureWindow = 15 * time.Minute
	maxThrottled       = 10_000
)

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

type throttle struct {
	mu sync.Mutex
	m  *ordered[*failures]
}

func newThrottle() *throttle { return &throttle{m: newOrdered[*failures](maxThrottled)} }

func throttleKey(username, remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return username + "\x00" + host
}

// wait is how long the pair must wait before its next attempt; 0 to go on.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.m.get(key)
	if !ok || !now.Before(f.until) {
		return 0
	}
	return f.until.Sub(now)
}

// failed records a wrong password and returns the lockout it starts (0 while free).
func (t *throttle) failed(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.m.get(key)
	if !ok || now.Sub(f.last) > loginFailureWindow {
		f = &failures{}
		t.m.del(key)
		t.m.put(key, f)
	}
	f.n++
	f.last = now
	if f.n < loginFreeFailures {
		return 0
	}
	d := loginMaxLockout
	if shift := f.n - loginFreeFailures; shift < 20 {
		d = min(time.Second<<shift, loginMaxLockout)
	}
	f.until = now.Add(d)
	return d
}

func (t *throttle) succeeded(key string) {
	t.mu.Lock()
	t.m.del(key)
	t.mu.Unlock()
}
