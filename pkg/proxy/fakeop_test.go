package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// fakeOP is a minimal OpenID provider for the auth gate's tests: one
// confidential client, one user already signed in (so /authorize answers
// at once, like a provider with a live SSO session), ES256 ID tokens,
// authorization code with PKCE S256, refresh tokens, RP-initiated logout.
type fakeOP struct {
	*httptest.Server
	t            testing.TB
	clientID     string
	clientSecret string
	now          func() time.Time
	key          *ecdsa.PrivateKey
	signKey      *ecdsa.PrivateKey // differs from key when testing bad signatures

	mu        sync.Mutex
	codes     map[string]authCode
	refreshes map[string]bool
	issued    int
	grants    []string // grant types seen at the token endpoint
	logouts   []url.Values
	badNonce  bool
	down      bool // the token endpoint answers 503
}

type authCode struct {
	challenge, nonce, redirectURI string
}

func newFakeOP(t testing.TB, now func() time.Time) *fakeOP {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOP{t: t, clientID: "checkout-bff", clientSecret: "dev-secret", now: now, key: key, signKey: key,
		codes: map[string]authCode{}, refreshes: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /jwks", op.jwks)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	mux.HandleFunc("GET /logout", op.logout)
	op.Server = httptest.NewServer(mux)
	t.Cleanup(op.Close)
	return op
}

func (op *fakeOP) issuer() string { return op.URL + "/" }

func (op *fakeOP) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                op.issuer(),
		"authorization_endpoint":                op.URL + "/authorize",
		"token_endpoint":                        op.URL + "/token",
		"jwks_uri":                              op.URL + "/jwks",
		"end_session_endpoint":                  op.URL + "/logout",
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (op *fakeOP) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
}

func (op *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != op.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request: "+q.Encode(), http.StatusBadRequest)
		return
	}
	code := randomString()
	op.mu.Lock()
	op.codes[code] = authCode{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirectURI: q.Get("redirect_uri")}
	op.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
}

func (op *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != op.clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(op.clientSecret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.down {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	grant := r.PostFormValue("grant_type")
	op.grants = append(op.grants, grant)
	nonce := ""
	switch grant {
	case "authorization_code":
		c, found := op.codes[r.PostFormValue("code")]
		delete(op.codes, r.PostFormValue("code"))
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !found || c.redirectURI != r.PostFormValue("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "code, redirect_uri or PKCE verifier mismatch"})
			return
		}
		nonce = c.nonce
		if op.badNonce {
			nonce = "another-sign-in"
		}
	case "refresh_token":
		if !op.refreshes[r.PostFormValue("refresh_token")] {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "unknown refresh token"})
			return
		}
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	op.issued++
	refresh := fmt.Sprintf("rt-%d", op.issued)
	op.refreshes[refresh] = true
	now := op.now()
	claims := map[string]any{
		"iss": op.issuer(), "aud": op.clientID, "sub": "user-1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"preferred_username": "alice", "email": "alice@example.com",
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  fmt.Sprintf("at-%d", op.issued),
		"token_type":    "Bearer",
		"expires_in":    300,
		"refresh_token": refresh,
		"id_token":      op.sign(claims),
	})
}

func (op *fakeOP) logout(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.logouts = append(op.logouts, r.URL.Query())
	op.mu.Unlock()
	http.Redirect(w, r, r.URL.Query().Get("post_logout_redirect_uri"), http.StatusFound)
}

func (op *fakeOP) sign(claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: op.signKey, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		op.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func (op *fakeOP) grantTypes() []string {
	op.mu.Lock()
	defer op.mu.Unlock()
	return append([]string(nil), op.grants...)
}
