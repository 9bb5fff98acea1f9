package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// buildDiscovery returns the discovery document; with internal set (an
// Options.InternalURLs entry) the back-channel endpoints are on it, the
// browser-facing ones and the issuer stay public.
func (p *Provider) buildDiscovery(internal *url.URL) []byte {
	l := p.spec.layout
	back := p.endpointURL
	if internal != nil {
		// same paths (an internal URL has the issuer's path), other origin
		back = func(rel string) string {
			u, err := url.Parse(p.endpointURL(rel))
			if err != nil {
				return p.endpointURL(rel)
			}
			u.Scheme, u.Host = internal.Scheme, internal.Host
			return u.String()
		}
	}
	d := oidc.Discovery{
		Issuer:                                 p.issuer,
		AuthorizationEndpoint:                  p.endpointURL(l.Authorize),
		TokenEndpoint:                          back(l.Token),
		UserinfoEndpoint:                       back(l.Userinfo),
		JWKSURI:                                back(l.JWKS),
		RevocationEndpoint:                     back(l.Revoke),
		IntrospectionEndpoint:                  back(l.Introspect),
		EndSessionEndpoint:                     p.endpointURL(l.Logout),
		CheckSessionIframe:                     p.endpointURL(l.CheckSession),
		ScopesSupported:                        []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess},
		ResponseTypesSupported:                 []string{"code"},
		ResponseModesSupported:                 []string{"query", "fragment", "form_post", "web_message"},
		GrantTypesSupported:                    []string{"authorization_code", "refresh_token", "client_credentials"},
		SubjectTypesSupported:                  []string{"public"},
		IDTokenSigningAlgValuesSupported:       []string{p.keys.Alg()},
		TokenEndpointAuthMethodsSupported:      []string{"client_secret_basic", "client_secret_post", "none"},
		RevocationEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "none"},
		CodeChallengeMethodsSupported:          []string{"S256"},
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "sid", "at_hash",
			"name", "given_name", "family_name", "preferred_username", "email", "email_verified"},
		PromptValuesSupported:              []string{"none", "login", "consent", "select_account"},
		AuthorizationResponseIssParameter:  true,
		FrontchannelLogoutSupported:        true,
		FrontchannelLogoutSessionSupported: true,
		BackchannelLogoutSupported:         true,
		BackchannelLogoutSessionSupported:  true,
	}
	var doc any = d
	if p.spec.discovery != nil {
		if extra := p.spec.discovery(p, &d); len(extra) > 0 {
			m := map[string]any{}
			b, _ := json.Marshal(d) // a struct of strings always marshals
			_ = json.Unmarshal(b, &m)
			for k, v := range extra {
				m[k] = v
			}
			doc = m
		} else {
			doc = d
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		// only a profile's extra fields can fail: a programming error
		panic(fmt.Sprintf("discovery of profile %s: %v", p.spec.name, err))
	}
	return append(b, '\n')
}

// endpointURL is url(path), or "" when the profile has no such endpoint.
func (p *Provider) endpointURL(path string) string {
	if path == "" {
		return ""
	}
	return p.url(path)
}

func (p *Provider) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	doc := p.discovery
	if d, ok := p.internal[strings.ToLower(r.Host)]; ok {
		doc = d
		// the answer depends on Host: a shared cache must not hand a
		// browser the internal document
		w.Header().Set("Vary", "Host")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(doc)
}

// parseInternalURLs checks Options.InternalURLs: absolute http(s) URLs with
// the issuer's path (the routes are the same), no query or fragment, and
// a host other than the issuer's.
func parseInternalURLs(issuer *url.URL, raw []string) ([]*url.URL, error) {
	var out []*url.URL
	for _, s := range raw {
		u, err := url.Parse(strings.TrimSuffix(s, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, fmt.Errorf("internal URL %q is not an http(s) URL such as http://ssokit:9400/ (the provider's address as other containers reach it)", s)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.Path != issuer.Path {
			return nil, fmt.Errorf("internal URL %q must be the provider's base URL with the issuer's path %q and no query or fragment, e.g. %s://%s%s/", s, issuer.Path+"/", u.Scheme, u.Host, issuer.Path)
		}
		if strings.EqualFold(u.Host, issuer.Host) {
			return nil, fmt.Errorf("internal URL %q has the issuer's own host %s; it names the host other containers use, e.g. http://ssokit:9400/", s, issuer.Host)
		}
		out = append(out, u)
	}
	return out, nil
}

func (p *Provider) handleJWKS(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// short cache: rotation must reach verifiers quickly in development
	w.Header().Set("Cache-Control", "public, max-age=10")
	_, _ = w.Write(p.keys.JWKSJSON())
}

// allowMethods answers 405 with Allow when r's method is not listed.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	allow := ""
	for i, m := range methods {
		if i > 0 {
			allow += ", "
		}
		allow += m
	}
	w.Header().Set("Allow", allow)
	writeOAuthError(w, oauthErr(http.StatusMethodNotAllowed, oidc.ErrInvalidRequest, "method %s is not allowed here; use %s", r.Method, allow))
	return false
}
