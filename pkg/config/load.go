package config

import (
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/fault"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
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
// errors; every problem is reported at once, each at file:line:col with the
// offending line (a *yamlfile.Errors).
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

// Parse decodes and validates b as the contents of the file name. It
// refuses alias bombs and deep nesting before decoding anything, reports
// every unknown key (with "did you mean") and every validation problem.
func Parse(name string, b []byte) (*Config, error) {
	r := yamlfile.NewReader(name, b)
	file := r.Parse(b, MaxFileSize, 0)
	if file == nil {
		return nil, r.Err()
	}
	body := r.Body(file, "ssokit.yaml")
	if err := r.Err(); err != nil {
		return nil, err
	}
	var c Config
	// misspelt holds the fields a misspelt key was meant to be; their
	// "missing" errors would repeat the same mistake.
	misspelt := map[string]bool{}
	if body != nil {
		checkKeys(r, body, reflect.TypeOf(c), "", misspelt)
		if err := decode(body, &c); err != nil {
			// checkKeys covers the shape of every field, so a decoder
			// error after its reports repeats one of them: one error per
			// mistake.
			if len(r.Diags()) == 0 {
				r.YAMLError(err)
			}
			return nil, r.Err()
		}
	}
	c.Path = name
	for _, e := range c.Validate() {
		if misspelt[e.Field] {
			continue
		}
		n := nodeAt(file, e.Field)
		msg := e.Msg
		if e.Field != "" {
			msg = e.Field + ": " + msg
		}
		if n == nil {
			r.Add(yamlfile.Pos{Line: 1, Col: 1}, 0, "%s", msg)
			continue
		}
		r.ErrAt(n, "%s", msg)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return &c, nil
}

// decode builds the Config from the checked document. goccy/go-yaml
// v1.19.2 panics on some malformed documents (found by fuzzing); bad input
// must be an error, never a crash.
func decode(body ast.Node, c *Config) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the YAML cannot be decoded (%v); check the indentation and tags near the end of the file", v)
		}
	}()
	return yaml.NodeToValue(body, c)
}

// checkKeys walks n against the yaml tags of t and reports every key that
// is not a field (with "did you mean") and every value of the wrong shape,
// naming the field. What values mean is left to Validate.
func checkKeys(r *yamlfile.Reader, n ast.Node, t reflect.Type, where string, misspelt map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	n = r.Resolve(n)
	if _, null := n.(*ast.NullNode); null || n == nil {
		return
	}
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		if s, ok := scalarAt(r, n, where); ok {
			if _, err := time.ParseDuration(s); err != nil {
				if _, err := strconv.ParseInt(s, 10, 64); err != nil {
					r.ErrAt(n, "%s must be a duration such as 20s, 15m or 8h, got %q", where, s)
				}
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.String:
		scalarAt(r, n, where)
	case reflect.Int, reflect.Int64:
		if s, ok := scalarAt(r, n, where); ok {
			if _, err := strconv.Atoi(s); err != nil {
				r.ErrAt(n, "%s must be a whole number, got %q", where, s)
			}
		}
	case reflect.Bool:
		if s, ok := scalarAt(r, n, where); ok && s != "true" && s != "false" {
			r.ErrAt(n, "%s must be true or false, got %q", where, s)
		}
	case reflect.Map:
		pairs, ok := r.Mapping(n, where)
		if !ok || t.Elem().Kind() == reflect.Interface {
			return
		}
		for _, pr := range pairs {
			checkKeys(r, pr.Value, t.Elem(), where+"."+pr.Key, misspelt)
		}
	case reflect.Struct:
		pairs, ok := r.Mapping(n, orTop(where))
		if !ok {
			return
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = f.Type
			names = append(names, tag)
		}
		for _, pr := range pairs {
			ft, ok := fields[pr.Key]
			if !ok {
				r.UnknownKey(pr, orTop(where), names...)
				if s := yamlfile.Closest(pr.Key, names); s != "" {
					misspelt[joinField(where, s)] = true
				}
				continue
			}
			checkKeys(r, pr.Value, ft, joinField(where, pr.Key), misspelt)
		}
	case reflect.Slice:
		items, _ := r.Sequence(n, where)
		for i, it := range items {
			checkKeys(r, it, t.Elem(), fmt.Sprintf("%s[%d]", where, i), misspelt)
		}
	}
}

// scalarAt returns the text of a scalar, reporting a list or mapping in
// its place.
func scalarAt(r *yamlfile.Reader, n ast.Node, where string) (string, bool) {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		r.ErrAt(n, "%s must be a single value, got %s", where, yamlfile.Describe(n))
		return "", false
	}
	return r.Scalar(n)
}

func orTop(where string) string {
	if where == "" {
		return "ssokit.yaml"
	}
	return where
}

func joinField(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

// nodeAt finds the node of a field path like clients[0].secret, or the
// nearest ancestor that exists.
func nodeAt(file *ast.File, field string) ast.Node {
	for field != "" {
		p, err := yaml.PathString("$." + field)
		if err == nil {
			if n, err := p.FilterFile(file); err == nil && n != nil && n.GetToken() != nil && n.GetToken().Position != nil {
				return n
			}
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return nil
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
	for i, h := range c.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ \t@?#") {
			add(fmt.Sprintf("allowed_hosts[%d]", i), "%q is not a host name; use a name (auth.dev.test), a domain with a leading dot (.dev.test) or \"*\"", h)
		}
	}
	switch c.Provider.SigningAlg {
	case "", "RS256", "ES256":
	default:
		add("provider.signing_alg", "%q is not supported; use RS256 (default, needed by the Auth0 SDK) or ES256%s", c.Provider.SigningAlg, yamlfile.DidYouMean(c.Provider.SigningAlg, []string{"RS256", "ES256"}))
	}
	switch strings.ToLower(c.Provider.SessionCookie.SameSite) {
	case "", "lax", "strict", "none":
	default:
		add("provider.session_cookie.same_site", "%q is not lax, strict or none%s", c.Provider.SessionCookie.SameSite, yamlfile.DidYouMean(c.Provider.SessionCookie.SameSite, []string{"lax", "strict", "none"}))
	}
	if m := c.Provider.Mount; m != "" && (!strings.HasPrefix(m, "/") || m == "/" || strings.HasSuffix(m, "/")) {
		add("provider.mount", "%q must be a path like /auth (leading slash, no trailing slash)", m)
	}
	checkLifetimes(add, "provider.tokens", c.Provider.Tokens)
	// unique reports a list entry without its name, or with the name of an
	// earlier entry; twice is a format for the name.
	unique := func(seen map[string]bool, field, name, missing, twice string) {
		switch {
		case name == "":
			add(field, "%s", missing)
		case seen[name]:
			add(field, twice, name)
		}
		seen[name] = true
	}
	seenUser := map[string]bool{}
	for i, u := range c.Users {
		unique(seenUser, fmt.Sprintf("users[%d].username", i), u.Username, "a user needs a username", "user %q is defined twice")
	}
	seenClient := map[string]bool{}
	for i, cl := range c.Clients {
		f := fmt.Sprintf("clients[%d]", i)
		unique(seenClient, f+".client_id", cl.ClientID, "a client needs a client_id", "client %q is defined twice")
		checkLifetimes(add, f+".tokens", cl.Tokens)
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
	c.validateAPIs(add)
	c.validateOrganizations(add)
	seenApp := map[string]bool{}
	seenPath := map[string]string{}
	for i, a := range c.Apps {
		f := fmt.Sprintf("apps[%d]", i)
		unique(seenApp, f+".name", a.Name, "an app needs a name", "app %q is defined twice; names must be unique")
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
		case "required", "spa":
			if a.ClientID == "" {
				add(f+".client_id", "app %q has auth: %s and needs client_id naming a confidential client", a.Name, a.Auth)
			} else if cl, ok := c.Client(a.ClientID); !ok {
				add(f+".client_id", "client %q is not defined under clients:", a.ClientID)
			} else if cl.Secret == "" {
				add(f+".client_id", "client %q must have a secret: the proxy's auth gate is a confidential client", a.ClientID)
			}
		default:
			add(f+".auth", "%q is not required, spa or none%s", a.Auth, yamlfile.DidYouMean(a.Auth, []string{"required", "spa", "none"}))
		}
		checkAppAPIs(add, f, a)
	}
	for i, ft := range c.Faults {
		for _, pr := range ft.Validate() {
			add(fmt.Sprintf("faults[%d].%s", i, pr.Field), "%s", pr.Msg)
		}
	}
	c.validateTenants(add)
	return errs
}

// FaultEndpoints are the endpoint names a fault can target.
var FaultEndpoints = fault.Endpoints

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

// KeyLine is the 1-based line of the top-level key in the YAML file at path
// (0 when it cannot be found), for messages that point at a setting.
func KeyLine(path, key string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for i, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok && strings.HasPrefix(strings.TrimLeft(rest, " \t"), ":") {
			return i + 1
		}
	}
	return 0
}
