package provider

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ssokit/ssokit/pkg/oidc"
)

func (p *Provider) buildDiscovery() []byte {
	l := p.spec.layout
	d := oidc.Discovery{
		Issuer:                                 p.issuer,
		AuthorizationEndpoint:                  p.endpointURL(l.Authorize),
		TokenEndpoint:                          p.endpointURL(l.Token),
		UserinfoEndpoint:                       p.endpointURL(l.Userinfo),
		JWKSURI:                                p.endpointURL(l.JWKS),
		RevocationEndpoint:                     p.endpointURL(l.Revoke),
		IntrospectionEndpoint:                  p.endpointURL(l.Introspect),
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
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(p.discovery)
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
