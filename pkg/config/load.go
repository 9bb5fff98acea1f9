package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxFileSize bounds what Load reads.
const MaxFileSize = 4 << 20

// Error is one problem in a config file, at a position.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string // e.g. clients[0].redirect_uris[1]
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Load reads, strictly decodes and validates path. Unknown fields are
// errors; every validation problem is reported, each with file:line.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s: config file is %d bytes; the limit is %d", path, len(b), MaxFileSize)
	}
	return Parse(path, b)
}

// Parse decodes and validates b as the contents of the file name.
func Parse(name string, b []byte) (cfg *Config, err error) {
	// goccy/go-yaml v1.19.2 panics on some malformed documents (found by
	// fuzzing); bad input must be an error, never a crash.
	defer func() {
		if v := recover(); v != nil {
			cfg, err = nil, &Error{File: name, Msg: fmt.Sprintf("the YAML cannot be decoded (%v); check the indentation and tags near the end of the file", v)}
		}
	}()
	file, err := parser.ParseBytes(b, 0)
	if err != nil {
		return nil, yamlError(name, err)
	}
	var c Config
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.Strict()); err != nil {
		return nil, yamlError(name, err)
	}
	c.Path = name
	if errs := c.Validate(); len(errs) > 0 {
		for _, e := range errs {
			e.File = name
			e.Line, e.Column = position(file, e.Field)
		}
		return nil, errs
	}
	return &c, nil
}

// yamlError turns a goccy error into file:line:col: message.
func yamlError(name string, err error) error {
	var se yaml.Error
	if errors.As(err, &se) {
		if tk := se.GetToken(); tk != nil && tk.Position != nil {
			return &Error{File: name, Line: tk.Position.Line, Column: tk.Position.Column, Msg: se.GetMessage()}
		}
	}
	return &Error{File: name, Msg: err.Error()}
}

// position finds the line and column of a field path like clients[0].secret.
func position(file *ast.File, field string) (int, int) {
	for field != "" {
		p, err := yaml.PathString("$." + field)
		if err == nil {
			if n, err := p.FilterFile(file); err == nil && n != nil {
				if tk := n.GetToken(); tk != nil && tk.Position != nil {
					return tk.Position.Line, tk.Position.Column
				}
			}
		}
		// fall back to the nearest ancestor that exists
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return 0, 0
}

// Validate checks the config and returns every problem found (without positions).
func (c *Config) Validate() Errors {
	var errs Errors
	add := func(field, format string, args ...any) {
		errs = append(errs, &Error{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Issuer != "" {
		if err := ValidateIssuer(c.Issuer); err != nil {
			add("issuer", "%v", err)
		}
	}
	switch c.Provider.SigningAlg {
	case "", "RS256", "ES256":
	default:
		add("provider.signing_alg", "%q is not supported; use RS256 (default, needed by the Auth0 SDK) or ES256", c.Provider.SigningAlg)
	}
	switch strings.ToLower(c.Provider.SessionCookie.SameSite) {
	case "", "lax", "strict", "none":
	default:
		add("provider.session_cookie.same_site", "%q is not lax, strict or none", c.Provider.SessionCookie.SameSite)
	}
	if m := c.Provider.Mount; m != "" && (!strings.HasPrefix(m, "/") || m == "/" || strings.HasSuffix(m, "/")) {
		add("provider.mount", "%q must be a path like /auth (leading slash, no trailing slash)", m)
	}
	seenUser := map[string]bool{}
	for i, u := range c.Users {
		f := fmt.Sprintf("users[%d]", i)
		switch {
		case u.Username == "":
			add(f+".username", "a user needs a username")
		case seenUser[u.Username]:
			add(f+".username", "user %q is defined twice", u.Username)
		}
		seenUser[u.Username] = true
	}
	seenClient := map[string]bool{}
	for i, cl := range c.Clients {
		f := fmt.Sprintf("clients[%d]", i)
		switch {
		case cl.ClientID == "":
			add(f+".client_id", "a client needs a client_id")
		case seenClient[cl.ClientID]:
			add(f+".client_id", "client %q is defined twice", cl.ClientID)
		}
		seenClient[cl.ClientID] = true
		if len(cl.RedirectURIs) == 0 && cl.Secret == "" {
			add(f+".redirect_uris", "public client %q needs at least one redirect_uri", cl.ClientID)
		}
		for j, u := range cl.RedirectURIs {
			if msg := checkURI(u); msg != "" {
				add(fmt.Sprintf("%s.redirect_uris[%d]", f, j), "%s", msg)
			}
		}
		for j, u := range cl.PostLogoutRedirectURIs {
			if msg := checkURI(u); msg != "" {
				add(fmt.Sprintf("%s.post_logout_redirect_uris[%d]", f, j), "%s", msg)
			}
		}
		for j, o := range cl.WebOrigins {
			if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || o == "*" {
				add(fmt.Sprintf("%s.web_origins[%d]", f, j), "%q is not an origin like http://localhost:9000 (scheme and host, no path, no wildcard)", o)
			}
		}
		if cl.FrontchannelLogoutURI != "" {
			if msg := checkURI(cl.FrontchannelLogoutURI); msg != "" {
				add(f+".frontchannel_logout_uri", "%s", msg)
			}
		}
		if cl.BackchannelLogoutURI != "" {
			if msg := checkURI(cl.BackchannelLogoutURI); msg != "" {
				add(f+".backchannel_logout_uri", "%s", msg)
			}
		}
	}
	seenApp := map[string]bool{}
	seenPath := map[string]string{}
	for i, a := range c.Apps {
		f := fmt.Sprintf("apps[%d]", i)
		switch {
		case a.Name == "":
			add(f+".name", "an app needs a name")
		case seenApp[a.Name]:
			add(f+".name", "app %q is defined twice; names must be unique", a.Name)
		}
		seenApp[a.Name] = true
		if !strings.HasPrefix(a.Path, "/") {
			add(f+".path", "%q must start with / (e.g. /account)", a.Path)
		} else if other, ok := seenPath[strings.TrimSuffix(a.Path, "/")]; ok {
			add(f+".path", "%q is already routed to app %q", a.Path, other)
		}
		seenPath[strings.TrimSuffix(a.Path, "/")] = a.Name
		if u, err := url.Parse(a.Upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(f+".upstream", "%q is not an http(s) URL like http://localhost:5102", a.Upstream)
		}
		switch a.Auth {
		case "", "none":
		case "required":
			if a.ClientID == "" {
				add(f+".client_id", "app %q has auth: required and needs client_id naming a confidential client", a.Name)
			} else if cl, ok := c.Client(a.ClientID); !ok {
				add(f+".client_id", "client %q is not defined under clients:", a.ClientID)
			} else if cl.Secret == "" {
				add(f+".client_id", "client %q must have a secret: the proxy's auth gate is a confidential client", a.ClientID)
			}
		default:
			add(f+".auth", "%q is not required or none", a.Auth)
		}
	}
	knownErr := []string{"", "login_required", "interaction_required", "consent_required", "temporarily_unavailable", "server_error", "access_denied", "http_500"}
	for i, ft := range c.Faults {
		f := fmt.Sprintf("faults[%d]", i)
		if !slices.Contains(knownErr, ft.Error) {
			add(f+".error", "%q is not one of %s", ft.Error, strings.Join(knownErr[1:], ", "))
		}
		if !slices.Contains(FaultEndpoints, ft.Endpoint) && ft.Endpoint != "" {
			add(f+".endpoint", "%q is not one of %s", ft.Endpoint, strings.Join(FaultEndpoints, ", "))
		}
	}
	return errs
}

// FaultEndpoints are the endpoint names a fault can target.
var FaultEndpoints = []string{"*", "authorize", "token", "userinfo", "jwks", "discovery", "logout", "revoke", "introspect"}

func checkURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Sprintf("%q is not an absolute URL like http://localhost:9000/app/callback", s)
	}
	if u.Fragment != "" {
		return fmt.Sprintf("%q must not contain a fragment (RFC 6749 §3.1.2)", s)
	}
	return ""
}
