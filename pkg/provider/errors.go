package provider

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ssokit/ssokit/pkg/oidc"
)

func oauthErr(status int, code, format string, args ...any) *oidc.Error {
	return &oidc.Error{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

func errInvalidRequest(format string, args ...any) *oidc.Error {
	return oauthErr(http.StatusBadRequest, oidc.ErrInvalidRequest, format, args...)
}

func errInvalidGrant(format string, args ...any) *oidc.Error {
	return oauthErr(http.StatusBadRequest, oidc.ErrInvalidGrant, format, args...)
}

func errInvalidClient(format string, args ...any) *oidc.Error {
	return oauthErr(http.StatusUnauthorized, oidc.ErrInvalidClient, format, args...)
}

func errServer(format string, args ...any) *oidc.Error {
	return oauthErr(http.StatusInternalServerError, oidc.ErrServerError, format, args...)
}

// writeJSON answers a JSON body that must not be cached (tokens, errors).
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeOAuthError answers an OAuth error as JSON (RFC 6749 §5.2).
func writeOAuthError(w http.ResponseWriter, e *oidc.Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, e)
}
