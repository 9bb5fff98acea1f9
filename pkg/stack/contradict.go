package stack

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/netutil"
)

// contradictions lists what the listen addresses in force (flags included)
// contradict in the config: an issuer on another port than the provider
// listens on (discovery and tokens would send browsers there), and redirect
// URIs registered on the proxy origin the config names when --proxy-addr
// moved the proxy (sign-in would fail with "redirect_uri … is not
// registered"). Each names the key and, when known, file:line.
func contradictions(cfg *config.Config, providerFlag, proxyFlag string, providerLn, proxyLn net.Addr) []string {
	var out []string
	// where is "key (file:line)", or less when unknown.
	where := func(key string) string {
		if cfg.Path == "" {
			return key
		}
		if line := config.KeyLine(cfg.Path, key); line > 0 {
			return fmt.Sprintf("%s (%s:%d)", key, cfg.Path, line)
		}
		return fmt.Sprintf("%s (%s)", key, cfg.Path)
	}
	if cfg.Issuer != "" && cfg.Provider.Mount == "" && providerLn != nil {
		if u, err := url.Parse(cfg.Issuer); err == nil {
			want := portOf(providerLn)
			if got := urlPort(u); got != want {
				how := "provider.addr"
				if providerFlag != "" {
					how = "--provider-addr " + providerFlag
				}
				out = append(out, fmt.Sprintf("the provider listens on port %s (%s), but %s is %s, on port %s: discovery and tokens point browsers there. Set issuer: to http://localhost:%s/ (or remove it to derive it from the address); see \"Moving the stack\" in the README",
					want, how, where("issuer"), cfg.Issuer, got, want))
			}
		}
	}
	if proxyFlag != "" && proxyLn != nil {
		configured := first(cfg.Proxy.Addr, config.DefaultProxyAddr)
		_, oldPort, _ := net.SplitHostPort(configured)
		_, newPort, _ := net.SplitHostPort(proxyFlag)
		if newPort == "0" || newPort == "" {
			newPort = portOf(proxyLn)
		}
		if oldPort != "" && oldPort != newPort {
			for _, c := range cfg.Clients {
				for _, r := range c.RedirectURIs {
					u, err := url.Parse(r)
					if err != nil || urlPort(u) != oldPort || !netutil.IsLoopbackHost(u.Hostname()) {
						continue
					}
					out = append(out, fmt.Sprintf("--proxy-addr %s moves the apps to port %s, but client %s registers redirect_uri %s on the configured proxy port %s, under %s: sign-in through the proxy fails with \"redirect_uri … is not registered\". Change proxy.addr and the clients' URIs instead (see \"Moving the stack\" in the README)",
						proxyFlag, newPort, c.ClientID, r, oldPort, where("clients")))
					return out
				}
			}
		}
	}
	return out
}

func portOf(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

func urlPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// envIssuerKeys are the .env keys `ssokit new` writes the issuer (or, for
// auth0, its origin) to.
var envIssuerKeys = map[string]bool{"VITE_SSOKIT_ISSUER": true, "ISSUER": true, "VITE_AUTH0_DOMAIN": true}

// envContradictions compares the issuer each app's .env names (as `ssokit
// new` wrote it) with the provider's actual issuer: after moving the
// provider, an app still pointing at the old port fails to sign in.
func envContradictions(cfg *config.Config, issuer string) []string {
	var out []string
	for _, a := range cfg.Apps {
		if a.Cwd == "" {
			continue
		}
		path := filepath.Join(appDir(cfg.Path, a.Cwd), ".env")
		b, err := os.ReadFile(path)
		if err != nil || len(b) > 64<<10 {
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok || !envIssuerKeys[k] {
				continue
			}
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			want := issuer
			if k == "VITE_AUTH0_DOMAIN" {
				want = strings.TrimSuffix(issuer, "/")
				if u, err := url.Parse(issuer); err == nil {
					want = u.Scheme + "://" + u.Host
				}
			}
			if v != "" && strings.TrimSuffix(v, "/") != strings.TrimSuffix(want, "/") {
				out = append(out, fmt.Sprintf("%s:%d: %s is %s, but the provider's issuer is %s: app %s signs in against the wrong provider address; set it to %s (see \"Moving the stack\" in the README)",
					path, i+1, k, v, issuer, a.Name, want))
			}
		}
	}
	return out
}
