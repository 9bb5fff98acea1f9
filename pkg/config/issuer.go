package config

import (
	"fmt"
	"net/url"
	"strings"
)

// ValidateIssuer checks that s is an absolute http(s) URL without user
// info, query or fragment, made only of the characters RFC 3986 allows in a
// URL. The issuer is copied into generated source code, .env files and HTML
// (`ssokit new`), discovery documents and tokens; refusing quotes, backticks,
// angle brackets, braces, backslashes, spaces and control characters here
// keeps a crafted ssokit.yaml from smuggling code into any of them (the
// templates escape every value as well).
func ValidateIssuer(s string) error {
	for i, r := range s {
		if !uriChar(r) {
			return fmt.Errorf("%q is not a URL: character %q at offset %d is not allowed in a URL (percent-encode it); e.g. %s", s, r, i, DefaultIssuer)
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an absolute http(s) URL; e.g. %s", s, DefaultIssuer)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(s, "?#") {
		return fmt.Errorf("%q must not have user info, a query or a fragment; e.g. %s", s, DefaultIssuer)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%q has no host name; e.g. %s", s, DefaultIssuer)
	}
	return nil
}

// uriChar reports whether r may appear in a URI (RFC 3986 §2: unreserved,
// reserved and '%').
func uriChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~:/?#[]@!$&'()*+,;=%", r)
}
