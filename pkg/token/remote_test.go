package token_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/token"
)

func TestDiscoverAndFetchErrors(t *testing.T) {
	var srvURL string
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	mux.HandleFunc("/ok/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q,"token_endpoint":"t"}`, srvURL+"/ok", srvURL+"/jwks")
	})
	mux.HandleFunc("/nojwks/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q}`, srvURL+"/nojwks/")
	})
	mux.HandleFunc("/other/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"issuer":"https://elsewhere/","jwks_uri":"x"}`)
	})
	mux.HandleFunc("/html/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") })
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"keys":[]}`) })

	ctx := context.Background()
	d, err := token.Discover(ctx, srv.Client(), srvURL+"/ok/")
	if err != nil || d.JWKSURI != srvURL+"/jwks" || d.TokenEndpoint != "t" {
		t.Fatalf("discover: %v %+v", err, d)
	}
	tests := []struct {
		name, issuer string
		network      bool
		want         string
	}{
		{"404", srvURL + "/missing", true, "HTTP 404 Not Found"},
		{"no jwks_uri", srvURL + "/nojwks", true, "discovery document has no jwks_uri"},
		{"not json", srvURL + "/html", true, "response is not the expected JSON"},
		{"other issuer", srvURL + "/other", false, `names issuer "https://elsewhere/"`},
	}
	for _, tt := range tests {
		_, err := token.Discover(ctx, srv.Client(), tt.issuer)
		var ne *token.NetworkError
		if err == nil || errors.As(err, &ne) != tt.network || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v (network=%v)", tt.name, err, errors.As(err, &ne))
		}
	}
	if _, err := token.FetchJWKS(ctx, srv.Client(), srvURL+"/jwks"); err == nil || !strings.Contains(err.Error(), "JWKS has no keys") {
		t.Errorf("empty JWKS: %v", err)
	}
}
