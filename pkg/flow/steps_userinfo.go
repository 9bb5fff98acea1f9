package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// userinfoStep calls the provider's userinfo endpoint with the app's access
// token: `userinfo: shell`.
type userinfoStep struct{ appStep }

func (s *userinfoStep) label() string  { return s.appLabel(StepUserinfo) }
func (s *userinfoStep) yields() string { return "claims" }

func (s *userinfoStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	if fr.disc.UserinfoEndpoint == "" {
		return outcome{err: errors.New("the provider's discovery document has no userinfo_endpoint")}
	}
	cur := fr.tokens[app.Name]
	if cur == nil || cur.AccessToken == "" {
		return outcome{err: fmt.Errorf("%s holds no access token (sign it in first)", app.Name)}
	}
	u, _ := url.Parse(fr.disc.UserinfoEndpoint)
	from, _ := url.Parse(app.Origin + "/")
	resp, body, err := fr.b.Fetch(ctx, browser.FetchRequest{From: from, URL: u,
		Header: http.Header{"Authorization": {"Bearer " + cur.AccessToken}}})
	if err != nil {
		return outcome{err: fmt.Errorf("userinfo: %v", unwrapURLError(err))}
	}
	if resp.StatusCode != http.StatusOK {
		oe := &oidc.Error{Code: fmt.Sprintf("http_%d", resp.StatusCode), Status: resp.StatusCode}
		if e := bearerError(resp.Header.Get("WWW-Authenticate")); e != "" {
			oe.Code = e
		}
		var tr tokenResponse
		if json.Unmarshal(body, &tr) == nil && tr.Error != "" {
			oe.Code, oe.Description = tr.Error, tr.ErrorDescription
		}
		return outcome{authErr: oe}
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		return outcome{err: fmt.Errorf("userinfo answered with no JSON object: %s", excerpt(body))}
	}
	return outcome{claims: claims}
}

func bearerError(h string) string {
	i := strings.Index(h, `error="`)
	if i < 0 {
		return ""
	}
	rest := h[i+7:]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}
