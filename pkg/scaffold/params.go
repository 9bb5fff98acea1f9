package scaffold

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
)

// DefaultProxyURL is where `ssokit up` serves the apps.
const DefaultProxyURL = "http://localhost:9000"

// FirstPort is the dev-server port of the first app (the next ones count up).
const FirstPort = 5101

var (
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$`)
	pathRE = regexp.MustCompile(`^(/[a-z0-9][a-z0-9._-]*)+$`)
)

// ValidateName checks an app name: it becomes a directory, an npm package
// name, a Go module path and a client_id.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) || strings.Contains(name, "--") {
		return fmt.Errorf("invalid name %q: use 1-40 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. account, order-history)", name)
	}
	return nil
}

// ValidatePath checks a proxy route.
func ValidatePath(p string) error {
	if !pathRE.MatchString(p) {
		return fmt.Errorf("invalid path %q: use a path like /account or /shop/cart: a leading slash, lowercase segments of letters, digits, '.', '_' or '-', no trailing slash", p)
	}
	if p == "/_ssokit" || strings.HasPrefix(p, "/_ssokit/") {
		return fmt.Errorf("invalid path %q: /_ssokit is reserved for ssokit itself", p)
	}
	return nil
}

// Params are the choices that make a Data.
type Params struct {
	Template string
	Name     string
	Path     string // default "/" + Name
	Port     int
	ClientID string // default Name
	Issuer   string // default config.DefaultIssuer
	ProxyURL string // default DefaultProxyURL
	Apps     []AppLink
	// Tool: the template is a tool (KindTool), not an app: Path, Port and
	// ClientID are not used (Data leaves them, Base, AppURL and DevURL empty).
	Tool bool
}

// Data validates p and derives every URL the templates use.
func (p Params) Data() (Data, error) {
	if err := ValidateName(p.Name); err != nil {
		return Data{}, err
	}
	if p.Tool {
		if p.Path != "" || p.Port != 0 || p.ClientID != "" {
			return Data{}, fmt.Errorf("template %s is a tool, not an app: it has no path, port or client id", p.Template)
		}
	} else {
		if p.Path == "" {
			p.Path = "/" + p.Name
		}
		if err := ValidatePath(p.Path); err != nil {
			return Data{}, err
		}
		if p.Port < 1024 || p.Port > 65535 {
			return Data{}, fmt.Errorf("invalid port %d: use 1024-65535 (apps start at %d)", p.Port, FirstPort)
		}
		if p.ClientID == "" {
			p.ClientID = p.Name
		}
		if !regexp.MustCompile(`^[A-Za-z0-9._~-]{1,100}$`).MatchString(p.ClientID) {
			return Data{}, fmt.Errorf("invalid client id %q: use letters, digits, '.', '_', '~' or '-'", p.ClientID)
		}
	}
	if p.Issuer == "" {
		p.Issuer = config.DefaultIssuer
	}
	if err := config.ValidateIssuer(p.Issuer); err != nil {
		return Data{}, fmt.Errorf("invalid issuer: %w", err)
	}
	iu, err := url.Parse(p.Issuer)
	if err != nil {
		return Data{}, fmt.Errorf("invalid issuer: %w", err)
	}
	if p.ProxyURL == "" {
		p.ProxyURL = DefaultProxyURL
	}
	p.ProxyURL = strings.TrimSuffix(p.ProxyURL, "/")
	var apps []AppLink
	for _, a := range p.Apps {
		if p.Tool || a.Name != p.Name {
			a.URL = p.ProxyURL + strings.TrimSuffix(a.Path, "/") + "/"
			apps = append(apps, a)
		}
	}
	if p.Tool {
		return Data{
			Template: p.Template, Name: p.Name, Title: title(p.Name),
			Issuer: p.Issuer, IssuerOrigin: iu.Scheme + "://" + iu.Host,
			ProxyURL: p.ProxyURL, Apps: apps,
		}, nil
	}
	base := p.Path + "/"
	return Data{
		Template:     p.Template,
		Name:         p.Name,
		Title:        title(p.Name),
		Path:         p.Path,
		Base:         base,
		Port:         p.Port,
		ClientID:     p.ClientID,
		Issuer:       p.Issuer,
		IssuerOrigin: iu.Scheme + "://" + iu.Host,
		ProxyURL:     p.ProxyURL,
		AppURL:       p.ProxyURL + base,
		DevURL:       fmt.Sprintf("http://localhost:%d%s", p.Port, base),
		Apps:         apps,
	}, nil
}

// title turns "order-history" into "Order history".
func title(name string) string {
	s := strings.ReplaceAll(name, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// ProxyURLFrom derives the browser-facing proxy URL from a config (its
// proxy.addr), defaulting to DefaultProxyURL. A loopback address is shown as
// localhost: 127.0.0.1 and localhost are different sites to a browser, and
// the provider is on localhost by default.
func ProxyURLFrom(c *config.Config) string {
	if c == nil || c.Proxy.Addr == "" {
		return DefaultProxyURL
	}
	host, port, err := net.SplitHostPort(c.Proxy.Addr)
	if err != nil {
		return DefaultProxyURL
	}
	switch host {
	case "", "127.0.0.1", "localhost", "0.0.0.0", "::1", "::":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// NextPort is one more than the highest upstream port of the config's apps,
// and at least FirstPort.
func NextPort(c *config.Config) int {
	next := FirstPort
	if c == nil {
		return next
	}
	for _, a := range c.Apps {
		u, err := url.Parse(a.Upstream)
		if err != nil {
			continue
		}
		var port int
		if _, err := fmt.Sscan(u.Port(), &port); err == nil && port >= next {
			next = port + 1
		}
	}
	return next
}

// NextFreePort is NextPort, skipping ports that inUse reports taken on this
// machine (a dev server started by hand, another project's stack), so the
// default port works on the first `ssokit up`.
func NextFreePort(c *config.Config, inUse func(port int) bool) int {
	p := NextPort(c)
	for tries := 0; tries < 200 && p < 65535 && inUse(p); tries++ {
		p++
	}
	return p
}

// PortInUse reports whether something listens on port on the loopback
// interface (IPv4 or IPv6), where dev servers bind.
func PortInUse(port int) bool {
	for _, host := range []string{"127.0.0.1", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return true
	}
	ln.Close()
	return false
}

// AppLinks lists the config's apps (the shell template links to them).
func AppLinks(c *config.Config) []AppLink {
	if c == nil {
		return nil
	}
	links := make([]AppLink, 0, len(c.Apps))
	for _, a := range c.Apps {
		links = append(links, AppLink{Name: a.Name, Path: a.Path})
	}
	return links
}
