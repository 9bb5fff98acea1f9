package provider

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// The Microsoft Entra ID profile (issue 13): what @azure/msal-browser, and
// an API written for Entra, expect from login.microsoftonline.com, read from
// MSAL's source (msal-common 16 / msal-browser 5.30, pinned in
// testdata/npm/msal):
//
//   - issuer {base}/{tenant}/v2.0, discovery at {issuer}/.well-known/…
//     (MSAL asks {authority}/v2.0/.well-known/openid-configuration when the
//     authority is {base}/{tenant}); endpoints /{tenant}/oauth2/v2.0/…,
//     keys at /{tenant}/discovery/v2.0/keys;
//   - tokens carry oid, tid, ver "2.0", preferred_username and roles; access
//     tokens carry scp (the granted scopes of one resource, without the
//     resource prefix) and azp; the token response carries client_info
//     (base64url JSON {uid, utid}: MSAL's home account id) when the request
//     says client_info=1, and scope in full (api://orders/Orders.Read), which
//     MSAL's cache keys on;
//   - MSAL sends client_info=1, a claims JSON parameter, telemetry
//     parameters, and offline_access on every request, refreshes included;
//   - its logoutRedirect carries only post_logout_redirect_uri (and
//     logout_hint when the ID token has a login_hint claim);
//   - errors carry error_codes, timestamp, trace_id and correlation_id
//     besides error and error_description (ResponseHandler.validateTokenResponse).

// Entra's path segments under the tenant.
const (
	entraV2          = "/v2.0"
	entraAuthorize   = "/oauth2/v2.0/authorize"
	entraToken       = "/oauth2/v2.0/token"
	entraLogout      = "/oauth2/v2.0/logout"
	entraKeys        = "/discovery/v2.0/keys"
	entraUserinfo    = "/openid/userinfo"
	entraTokenVer    = "2.0"
	entraGraphAppID  = "00000003-0000-0000-c000-000000000000" // Microsoft Graph: the resource of bare scopes
	entraDefaultPerm = ".default"
)

// entraGUID derives a stable GUID-shaped id (RFC 4122 version 5 layout) from
// parts: a user's oid in a tenant, a tenant's tid. The same user in the same
// tenant has the same oid on every run, as in Entra.
func entraGUID(parts ...string) string {
	h := sha256.Sum256([]byte("ssokit entra\x00" + strings.Join(parts, "\x00")))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isGUID reports whether s is a GUID as Entra spells tenant ids.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// entraTenantID is the tid of a tenant path segment: the segment itself
// when it is a GUID (as Entra apps usually configure it), else a stable GUID
// derived from the name (contoso.onmicrosoft.com, or any name).
func entraTenantID(segment string) string {
	if isGUID(segment) {
		return strings.ToLower(segment)
	}
	return entraGUID("tenant", strings.ToLower(segment))
}

// entraClientInfo is the token response's client_info: base64url of
// {"uid": oid, "utid": tid}, from which MSAL builds the account's
// homeAccountId "uid.utid" (msal-common account/ClientInfo.ts).
func entraClientInfo(oid, tid string) string {
	b, _ := json.Marshal(struct {
		UID  string `json:"uid"`
		UTID string `json:"utid"`
	}{oid, tid})
	return base64.RawURLEncoding.EncodeToString(b)
}

// entraScopes splits requested scopes as Entra does: OpenID scopes (openid,
// profile, email, offline_access) go to the ID token and refresh token; the
// rest name one resource, "{resource}/{permission}" (api://orders/Orders.Read
// or https://api.example/Orders.Read); bare names (User.Read) are Microsoft
// Graph's. resource is "" when only OpenID scopes were asked, and scp lists
// the permissions without the resource (".default" grants none by name).
// Scopes of two resources in one request are refused, as Entra refuses them
// (AADSTS28000).
func entraScopes(scopes []string) (resource string, scp []string, err error) {
	for _, s := range scopes {
		switch s {
		case oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess:
			continue
		}
		res, perm := entraGraphAppID, s
		if i := strings.LastIndex(s, "/"); i >= 0 {
			res, perm = s[:i], s[i+1:]
			if res == "" || perm == "" || strings.HasSuffix(res, ":") || strings.HasSuffix(res, ":/") {
				return "", nil, fmt.Errorf("scope %q is not {resource}/{permission}, such as api://orders/Orders.Read", s)
			}
		}
		if resource != "" && res != resource {
			return "", nil, fmt.Errorf("the scopes name two resources, %s and %s; ask for one resource's scopes per request (Entra refuses the same: AADSTS28000)", resource, res)
		}
		resource = res
		if perm != entraDefaultPerm && !slices.Contains(scp, perm) {
			scp = append(scp, perm)
		}
	}
	return resource, scp, nil
}

// validClaimsParam checks the claims request parameter (OIDC Core §5.5,
// which MSAL sends for client capabilities and claims challenges): a JSON
// object. It is not otherwise interpreted.
func validClaimsParam(s string) error {
	if s == "" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return fmt.Errorf(`the claims parameter is not a JSON object (OpenID Connect Core §5.5), e.g. {"access_token":{"xms_cc":{"values":["cp1"]}}}: %v`, err)
	}
	return nil
}

// entraError is an OAuth error as Entra answers it: MSAL reads error_codes,
// timestamp, trace_id and correlation_id into its ServerError, and turns
// interaction_required, login_required and consent_required (or the same
// words in the description) into an InteractionRequiredAuthError.
type entraError struct {
	Code          string `json:"error"`
	Description   string `json:"error_description"`
	ErrorCodes    []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	SubError      string `json:"suberror,omitempty"`
}

// entraErrorCodes maps an OAuth error code to the AADSTS number Entra
// answers it with most often, so that code that switches on error_codes[0]
// sees a familiar number.
var entraErrorCodes = map[string]int{
	oidc.ErrInvalidRequest:          900144, // the request body must contain the parameter
	oidc.ErrInvalidGrant:            70008,  // the provided authorization code or refresh token has expired or been revoked
	oidc.ErrInvalidClient:           7000218,
	oidc.ErrUnauthorizedClient:      700016,
	oidc.ErrInvalidScope:            70011,
	oidc.ErrUnsupportedGrantType:    70003,
	oidc.ErrUnsupportedResponseType: 700054,
	oidc.ErrServerError:             90100,
	"interaction_required":          50076,
	"login_required":                50058,
	"consent_required":              65001,
	"temporarily_unavailable":       90006,
	"access_denied":                 50105,
}

// newEntraError shapes e as Entra does. correlationID is the client's
// client-request-id (MSAL sends one on every request), echoed back.
func newEntraError(e *oidc.Error, correlationID string, now time.Time) entraError {
	n, ok := entraErrorCodes[e.Code]
	if !ok {
		n = 90100
	}
	out := entraError{
		Code:          e.Code,
		Description:   fmt.Sprintf("AADSTS%d: %s", n, e.Description),
		ErrorCodes:    []int{n},
		Timestamp:     now.UTC().Format("2006-01-02 15:04:05Z"),
		TraceID:       entraGUID("trace", randomID(8)),
		CorrelationID: correlationID,
	}
	if out.CorrelationID == "" {
		out.CorrelationID = entraGUID("correlation", randomID(8))
	}
	if e.Code == oidc.ErrInvalidGrant {
		// as Entra marks a revoked or expired grant; MSAL reads invalid_grant
		// (with or without it) as a refresh token to replace and tries its
		// hidden iframe before asking for interaction
		// (checkIfRefreshTokenErrorCanBeResolvedSilently)
		out.SubError = "bad_token"
	}
	return out
}

// writeEntraError answers e with Entra's error body.
func writeEntraError(w http.ResponseWriter, r *http.Request, e *oidc.Error, now time.Time) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	cid := r.Header.Get("client-request-id")
	if cid == "" {
		cid = r.URL.Query().Get("client-request-id")
	}
	if len(cid) > 64 || strings.ContainsFunc(cid, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
		cid = ""
	}
	writeJSON(w, status, newEntraError(e, cid, now))
}

// loginHintKey keys entraLoginHint; per process, so a restarted provider's
// hints (like its sessions) are void.
var loginHintKey = sync.OnceValue(func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
})

// entraLoginHint is the ID token's login_hint claim, which MSAL sends back
// as login_hint (signing in again as the account) and logout_hint (signing
// it out): the username, readable, as Entra's opaque value also names its
// account, then a MAC binding it to the session sid. Only the apps holding
// this session's ID tokens know it.
func entraLoginHint(sid, username string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(username)) + "." + entraHintMAC(sid, username)
}

func entraHintMAC(sid, username string) string {
	m := hmac.New(sha256.New, loginHintKey())
	m.Write([]byte("entra login_hint\x00" + sid + "\x00" + username))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// entraHintUser reads the username of a login_hint made by entraLoginHint;
// ok is false for any other hint (a plain username or email, as apps send).
func entraHintUser(hint string) (username string, ok bool) {
	u, mac, found := strings.Cut(hint, ".")
	if !found || len(mac) != 43 || strings.Contains(mac, ".") {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(u)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}

// entraHintFor reports whether hint is the login_hint of session sid of user.
func entraHintFor(hint, sid, username string) bool {
	return hmac.Equal([]byte(hint), []byte(entraLoginHint(sid, username)))
}
