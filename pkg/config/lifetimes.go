package config

import "time"

// MaxRefreshReuseInterval bounds refresh_reuse_interval: the window exists
// for requests racing each other (tabs, retries), not to keep a stolen
// token usable. Okta caps its grace period at 60s; Auth0 allows more.
const MaxRefreshReuseInterval = 5 * time.Minute

// checkLifetimes reports negative lifetimes and a reuse interval beyond
// MaxRefreshReuseInterval under field (provider.tokens, clients[i].tokens).
func checkLifetimes(add func(field, format string, args ...any), field string, l Lifetimes) {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"access_token", l.AccessToken}, {"id_token", l.IDToken}, {"refresh_token", l.RefreshToken},
		{"session", l.Session}, {"refresh_reuse_interval", l.RefreshReuseInterval},
	} {
		if d.v < 0 {
			add(field+"."+d.key, "%s is negative; use a duration like 10m (0 or unset means the default)", d.v)
		}
	}
	if l.RefreshReuseInterval > MaxRefreshReuseInterval {
		add(field+".refresh_reuse_interval", "%s is longer than %s; the interval is for requests racing each other (tabs refreshing at once), a few seconds is typical (e.g. 10s)", l.RefreshReuseInterval, MaxRefreshReuseInterval)
	}
}
