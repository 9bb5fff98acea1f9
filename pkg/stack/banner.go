package stack

import (
	"fmt"
	"io"
	"strings"
)

// Banner prints where everything is.
func (s *Stack) Banner(w io.Writer) {
	cfg := s.Config()
	title := "ssokit up"
	if s.demo {
		title += " (built-in demo: no ssokit.yaml here)"
	}
	fmt.Fprintf(w, "%s\n\n  apps\n", title)
	for _, a := range cfg.Apps {
		gate := ""
		switch a.Auth {
		case "required":
			gate = "  [auth gate: " + a.ClientID + "]"
		case "spa":
			gate = "  [SPA backend-for-frontend: " + a.ClientID + "; session at " + ensureSlash(a.Path) + "_ssokit/session]"
		}
		fmt.Fprintf(w, "    %-10s %s%s  → %s%s\n", a.Name, s.proxyURL, ensureSlash(a.Path), a.Upstream, gate)
	}
	users := cfg.UsersOrDefault()
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	fmt.Fprintf(w, "\n  provider   %s  (discovery %s.well-known/openid-configuration)\n", s.issuer, ensureSlash(s.issuer))
	fmt.Fprintf(w, "  users      %s\n", strings.Join(names, ", "))
	if s.CA != nil {
		fmt.Fprintf(w, "  tls        certificates from the local CA %s\n             trust it once: see \"HTTPS\" in the README (Linux: sudo cp it to /usr/local/share/ca-certificates/ssokit-ca.crt && sudo update-ca-certificates)\n", s.CA.Path)
	}
	if s.demo {
		fmt.Fprintf(w, "\n  Open %s/ and sign in; then open %s/account/: signed in silently, no form.\n", s.proxyURL, s.proxyURL)
	}
	follow := s.AdminURL()
	if follow != strings.TrimSuffix(s.issuer, "/") {
		// mounted: the events are on the admin listener, the keys at the issuer
		follow += " --issuer " + s.issuer
	}
	fmt.Fprintf(w, "\n  Watch tokens live: ssokit inspect --follow %s\n  Ctrl-C stops everything.\n\n", follow)
}

func ensureSlash(s string) string {
	if strings.HasSuffix(s, "/") {
		return s
	}
	return s + "/"
}
