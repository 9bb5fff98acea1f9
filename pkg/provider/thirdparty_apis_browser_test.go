package provider_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/internal/golden"
)

// apiColumns are what TestThirdPartyCookieAPIsTable measures for an app
// cross-site to the provider, after a first-party sign-in at the provider.
var apiColumns = []string{
	"FedCM (navigator.credentials.get, account chosen)",
	"Storage Access: framed silent request (no gesture)",
	"Storage Access: click in the frame, prompt declined",
	"Storage Access: prompt accepted, framed again",
}

// measureAPIs runs the columns in one browser for one cookie setting.
func measureAPIs(t *testing.T, allow bool, sameSite string) []string {
	e := newSDKEnv(t, sameSite, appSpec{"app-x", "127.0.0.1"})
	a := e.apps["app-x"]
	b := browserCtx(t, allow)
	signInAtProvider(t, b, e, a, "alice")
	steps, _ := storageAccessSteps(t, b, e, a)
	out := []string{fedcmCell(t, b, a)}
	if len(steps) == 1 {
		if steps[0] == "code" {
			// the cookie reached the frame: storage access is not needed
			return append(out, "✅ code (cookie sent; not needed)", "–", "–")
		}
		return append(out, "❌ "+saCell(steps[0]), "–", "–")
	}
	for _, s := range steps {
		if s == "code" {
			out = append(out, "✅ code")
		} else {
			out = append(out, "❌ "+saCell(s))
		}
	}
	return out
}

// fedcmCell signs in at a through FedCM in b.
func fedcmCell(t *testing.T, b context.Context, a *testApp) string {
	t.Helper()
	got, shown := fedcmSignIn(t, b, a, "n", "optional")
	switch {
	case got.OK:
		return "✅ ID token"
	case len(shown) > 0 && shown[0].DialogType == "ConfirmIdpLogin":
		return "❌ no account: the accounts request carried no cookie (browser asks to sign in to the provider)"
	default:
		return "❌ " + got.Error
	}
}

// TestThirdPartyCookieAPIsTable measures, in headless Chromium, FedCM and
// the Storage Access API for an app cross-site to the provider (127.0.0.1
// vs localhost), per session cookie and third-party-cookie setting: the
// README's second table, checked in; `-update` rewrites it.
func TestThirdPartyCookieAPIsTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("| session cookie | third-party cookies |")
	for _, c := range apiColumns {
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(apiColumns)) + "\n")
	for _, allow := range []bool{false, true} {
		for _, sameSite := range []string{"Lax", "None"} {
			cells := measureAPIs(t, allow, sameSite)
			ck := map[string]string{"Lax": "`SameSite=Lax`", "None": "`SameSite=None; Secure`"}[sameSite]
			tp := map[bool]string{false: "blocked (default)", true: "allowed"}[allow]
			fmt.Fprintf(&b, "| %s | %s | %s |\n", ck, tp, strings.Join(cells, " | "))
		}
	}
	t.Logf("measured:\n%s", b.String())
	golden.EqualString(t, filepath.Join("testdata", "sdk", "third-party-cookie-apis.golden.md"), b.String())
}

// saCell spells out a storage-access answer for the README.
func saCell(s string) string {
	switch s {
	case "interaction_required/gesture_required":
		return "interaction_required, `storage_access: gesture_required` (the app shows the frame's button)"
	case "access_denied/denied":
		return "access_denied, `storage_access: denied`"
	case "login_required/":
		return "login_required (the frame has storage access, but a `SameSite=Lax` cookie is still not sent cross-site)"
	}
	return s
}
