package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRegistryReadOncePerRequest: handlers use the snapshot ServeHTTP
// took (regOf), so a reload during a request never mixes two configs.
// p.reg.Load() may appear only where there is no request.
func TestRegistryReadOncePerRequest(t *testing.T) {
	allowed := []string{"New", "ServeHTTP", "route", "regOf", "endpoint", "endAll",
		// the test API's methods serve Go callers without a request; each reads the registry once
		"SignIn", "Mint", "endWhere", "Users", "RemoveUser", "Clients", "RemoveClient", "Reset"}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Load" {
					return true
				}
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "reg" && !slices.Contains(allowed, fn.Name.Name) {
					t.Errorf("%s: %s reads p.reg.Load(); use the request's snapshot p.regOf(r)", fset.Position(sel.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
}

// TestErrorListsOnlyForLoopback: errors name the registered clients and
// redirect URIs to a developer on this machine, not to remote callers.
func TestErrorListsOnlyForLoopback(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	const secretURI = "http://localhost:9000/shell/callback"
	requests := map[string]func() *http.Request{
		"unknown client": func() *http.Request {
			return httptest.NewRequest(http.MethodGet, op.authURL("nobody", secretURI, newPKCE(), nil), nil)
		},
		"unregistered redirect_uri": func() *http.Request {
			return httptest.NewRequest(http.MethodGet, op.authURL("shell", "http://localhost:1/x", newPKCE(), nil), nil)
		},
		"token: unknown client": func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, op.issuer+"oauth/token", strings.NewReader("grant_type=client_credentials&client_id=nobody"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		},
		"logout: unregistered post_logout_redirect_uri": func() *http.Request {
			return httptest.NewRequest(http.MethodGet, op.issuer+"logout?client_id=shell&post_logout_redirect_uri="+url.QueryEscape("http://localhost:1/"), nil)
		},
	}
	for name, mk := range requests {
		for _, remote := range []string{"192.0.2.7:4000", "127.0.0.1:4000"} {
			r := mk()
			r.RemoteAddr = remote
			rec := httptest.NewRecorder()
			op.ServeHTTP(rec, r)
			body := rec.Body.String()
			listed := strings.Contains(body, "shell/callback") || strings.Contains(body, "bff, shell") || strings.Contains(body, "http://localhost:9000/shell/")
			if rec.Code < 400 {
				t.Errorf("%s from %s: %d, want an error", name, remote, rec.Code)
			}
			if loop := strings.HasPrefix(remote, "127."); listed != loop {
				t.Errorf("%s from %s: lists registered values = %v, want %v\n%s", name, remote, listed, loop, body)
			}
		}
	}
}
