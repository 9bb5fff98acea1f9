package provider

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/netutil"
	"github.com/ssokit/ssokit/pkg/oidc"
)

//go:embed web/*.html
var webFS embed.FS

var pages = template.Must(template.ParseFS(webFS, "web/*.html"))

// pageCSP is the policy of every HTML page: only our nonce'd inline script
// and style, forms only to ourselves (and the client for form_post).
func pageCSP(nonce, frameAncestors, formAction string) string {
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce + "'; img-src data:; frame-src *; connect-src 'self'; form-action " + formAction + "; base-uri 'none'; frame-ancestors " + frameAncestors
}

// render executes a page template. frameAncestors is the CSP source list
// that may frame it ("'none'" for the login page).
func (p *Provider) render(w http.ResponseWriter, status int, name, frameAncestors, formAction string, data map[string]any) {
	nonce := randomID(16)
	data["Nonce"] = nonce
	data["Issuer"] = p.issuer
	if _, ok := data["Title"]; !ok {
		data["Title"] = "ssokit"
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error rendering "+name, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", pageCSP(nonce, frameAncestors, formAction))
	if frameAncestors == "'none'" {
		h.Set("X-Frame-Options", "DENY")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage shows an error without redirecting anywhere: the request could
// not be tied to a trusted redirect_uri.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, e *oidc.Error) {
	info(r).outcome = e.Code
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	p.render(w, status, "error.html", "'none'", "'none'", map[string]any{
		"Title": "Error", "Heading": "This request cannot be completed", "Code": e.Code, "Description": e.Description,
	})
}

// webMessage answers with a page that posts the authorization response to
// the opener (popup) or parent (iframe), addressed to exactly targetOrigin:
// never "*". html/template escapes the values for the script context, so a
// hostile state cannot break out of the string.
func (p *Provider) webMessage(w http.ResponseWriter, frameAncestors, targetOrigin string, params url.Values) {
	resp := map[string]string{}
	for k := range params {
		resp[k] = params.Get(k)
	}
	p.render(w, http.StatusOK, "web_message.html", frameAncestors, "'none'", map[string]any{
		"Response": resp, "TargetOrigin": targetOrigin,
	})
}

// formPost answers with a self-submitting form (OAuth 2.0 Form Post Response Mode).
func (p *Provider) formPost(w http.ResponseWriter, frameAncestors, action string, params url.Values) {
	flat := map[string]string{}
	for k := range params {
		flat[k] = params.Get(k)
	}
	p.render(w, http.StatusOK, "form_post.html", frameAncestors, originOf(action), map[string]any{"Action": action, "Params": flat})
}

func (p *Provider) handleHome(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "message.html", "'none'", "'none'", map[string]any{
		"Title": "Provider", "Heading": "ssokit OpenID provider",
		"Description": "Discovery: " + p.url(p.spec.layout.Discovery),
	})
}

// registeredList shows the registered clients or URIs in an error only to
// loopback callers (the developer at this machine); others learn only that
// the value is not registered.
func (p *Provider) registeredList(r *http.Request, prefix string, items []string) string {
	if !netutil.IsLoopbackAddr(r.RemoteAddr) {
		return ""
	}
	return prefix + strings.Join(items, ", ")
}
