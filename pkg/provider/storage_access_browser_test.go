package provider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

func init() { appPages["/storage-access/"] = "storage-access.html" }

// pkceVerifier is RFC 7636's example verifier; storage-access.html sends
// its challenge.
const pkceVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// saMessage is one authorization response the frame posted to the app.
type saMessage struct {
	Code          string `json:"code"`
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	StorageAccess string `json:"storage_access"`
}

func (m saMessage) String() string {
	if m.Code != "" {
		return "code"
	}
	return m.Error + "/" + m.StorageAccess
}

// frameAnswers waits until the app page holds n answers from the frame.
func frameAnswers(t *testing.T, tab context.Context, n int) []saMessage {
	t.Helper()
	waitFor(t, "the frame's answers", func() bool { return eval[int](t, tab, `window.messages.length`) >= n })
	return eval[[]saMessage](t, tab, `window.messages`)
}

// setStorageAccess plays the user's answer to the browser's storage-access
// prompt, which headless Chromium cannot show: the permission for the
// provider embedded in topOrigin, granted or denied.
func setStorageAccess(t *testing.T, b context.Context, topOrigin, issuer string, setting browser.PermissionSetting) {
	t.Helper()
	if _, err := chromedp.CallBrowser(b, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "storage-access"}, Setting: setting,
		Origin: topOrigin, EmbeddedOrigin: strings.TrimSuffix(issuer, "/")}); err != nil {
		t.Fatalf("Browser.setPermission storage-access %s: %v", setting, err)
	}
}

// storageAccessSteps measures, in browser b after a first-party sign-in,
// the provider framed cross-site by app a (127.0.0.1 vs localhost): the
// first answer; when that is no code, the answer to a click in the frame
// with the prompt declined, and the answer of a new frame once the prompt
// was accepted (CDP plays the user: without it headless Chromium either
// rejects at once or leaves the prompt pending, depending on whether it
// recorded the sign-in as user interaction). The last answer is returned
// too, for the code exchange.
func storageAccessSteps(t *testing.T, b context.Context, e *sdkEnv, a *testApp) ([]string, saMessage) {
	t.Helper()
	do(t, b, "open app", chromedp.Navigate(a.origin+"/storage-access/"),
		chromedp.Evaluate[chromedp.Void](`frameSilent()`))
	first := frameAnswers(t, b, 1)[0]
	out := []string{first.String()}
	if first.StorageAccess != "gesture_required" {
		return out, first
	}
	setStorageAccess(t, b, a.origin, e.issuer, browser.PermissionSettingDenied)
	// a real click (a user gesture) on the frame's button, which may not
	// be hit-testable the instant the first answer arrives: click until
	// the frame answers again (the button disables itself)
	waitFor(t, "an answer to the click", func() bool {
		do(t, b, "click in the frame", chromedp.MouseClickXY(160, 40))
		return eval[int](t, b, `window.messages.length`) >= 2
	})
	out = append(out, frameAnswers(t, b, 2)[1].String())
	setStorageAccess(t, b, a.origin, e.issuer, browser.PermissionSettingGranted)
	do(t, b, "frame again", chromedp.Evaluate[chromedp.Void](`frameSilent()`))
	last := frameAnswers(t, b, 1)[0]
	return append(out, last.String()), last
}

// TestStorageAccessBrowser: with third-party cookies blocked (Chromium's
// default) the storage-access page tells the app plainly that a gesture is
// needed, reports a declined prompt after the click, and once access is
// granted answers silently with a code that a PKCE exchange turns into
// alice's ID token (verified by coreos/go-oidc). With a SameSite=Lax
// session cookie a grant does not help: storage access unblocks only
// SameSite=None cookies.
func TestStorageAccessBrowser(t *testing.T) {
	t.Run("SameSite=None", func(t *testing.T) {
		e := newSDKEnv(t, "None", appSpec{"app-a", "127.0.0.1"})
		a := e.apps["app-a"]
		b := browserCtx(t, false)
		signInAtProvider(t, b, e, a, "alice")
		got, granted := storageAccessSteps(t, b, e, a)
		if want := []string{"interaction_required/gesture_required", "access_denied/denied", "code"}; !slices.Equal(got, want) {
			t.Fatalf("steps = %v, want %v", got, want)
		}
		resp, err := http.PostForm(e.issuer+"oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"app-a"},
			"redirect_uri": {a.origin + "/oidc/silent.html"}, "code": {granted.Code}, "code_verifier": {pkceVerifier}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr struct {
			IDToken string `json:"id_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.IDToken == "" {
			t.Fatalf("code exchange: %d %v", resp.StatusCode, err)
		}
		rp, err := gooidc.NewProvider(context.Background(), e.issuer)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := rp.Verifier(&gooidc.Config{ClientID: "app-a"}).Verify(context.Background(), tr.IDToken)
		if err != nil || tok.Subject != "alice" {
			t.Fatalf("ID token: %v %v", tok, err)
		}
	})
	t.Run("SameSite=Lax", func(t *testing.T) {
		e := newSDKEnv(t, "Lax", appSpec{"app-a", "127.0.0.1"})
		b := browserCtx(t, false)
		signInAtProvider(t, b, e, e.apps["app-a"], "alice")
		got, _ := storageAccessSteps(t, b, e, e.apps["app-a"])
		if want := []string{"interaction_required/gesture_required", "access_denied/denied", "login_required/"}; !slices.Equal(got, want) {
			t.Fatalf("steps = %v, want %v", got, want)
		}
	})
}

// TestStorageAccessUnregisteredOrigin: a page on an origin no client
// registered frames the silent request naming app A's redirect URI, with
// storage access granted to it: the provider's frame-ancestors refuses the
// frame and no answer, let alone a code, reaches the page.
func TestStorageAccessUnregisteredOrigin(t *testing.T) {
	e := newSDKEnv(t, "None", appSpec{"app-a", "127.0.0.1"})
	a := e.apps["app-a"]
	evil := newTestApp(t, "app-a", "127.0.0.1", testutil.NodeModules(t, "sdk"))
	evil.issuer = e.issuer
	evil.srv.Start()
	b := browserCtx(t, false)
	signInAtProvider(t, b, e, a, "alice")
	setStorageAccess(t, b, evil.origin, e.issuer, browser.PermissionSettingGranted)
	var (
		mu   sync.Mutex
		logs []string
	)
	if err := chromedp.Listen(b, func(ev any) {
		if le, ok := ev.(*cdplog.EventEntryAdded); ok {
			mu.Lock()
			logs = append(logs, le.Entry.Text)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	do(t, b, "open the unregistered page", chromedp.Navigate(evil.origin+"/storage-access/"))
	// the request's own redirect URI (unregistered) and app A's
	for _, redirect := range []string{evil.origin + "/oidc/silent.html", a.origin + "/oidc/silent.html"} {
		do(t, b, "frame", chromedp.Evaluate[chromedp.Void](`frameSilent(`+jsString(redirect)+`)`))
		// Chromium logs "Framing '<provider>' violates the following
		// Content Security Policy directive ... The request has been
		// blocked.": no script of the provider ran in the frame
		waitFor(t, "Chromium to refuse the frame", func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range logs {
				if strings.HasPrefix(m, "Framing '"+e.issuer+"' violates") && strings.Contains(m, "has been blocked") {
					return true
				}
			}
			return false
		})
		mu.Lock()
		logs = nil
		mu.Unlock()
		if n := eval[int](t, b, `window.messages.length`); n != 0 {
			t.Fatalf("redirect %s: the unregistered page received %d answers: %v", redirect, n, eval[[]saMessage](t, b, `window.messages`))
		}
	}
}
