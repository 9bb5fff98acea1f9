package flow

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"

	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// MaxTabs bounds refresh's tabs: enough to show a race, not a load test.
const MaxTabs = 16

// refreshStep redeems the app's refresh token: `refresh: shell`, or from
// several tabs of the browser at once: `refresh: {app: shell, tabs: 3}`.
// Tabs share the app's stored tokens (localStorage), as an SPA's tabs do.
// Without a lock they all send the same refresh token at once; with
// `lock: true` they renew one at a time under a Web Lock and a tab that
// finds the stored token already renewed uses it instead of refreshing.
type refreshStep struct {
	appStep
	Tabs int
	Lock bool
}

func (s *refreshStep) parse(p *fileParser, kp pair, f *File) {
	p.appArgs(kp, f, &s.App, nil,
		argKey{"tabs", func(n ast.Node) {
			v, _ := p.Scalar(n)
			t, err := strconv.Atoi(v)
			if err != nil || t < 1 || t > MaxTabs {
				p.ErrAt(n, "tabs must be a whole number from 1 to %d, the tabs refreshing at once; got %q", MaxTabs, v)
				return
			}
			s.Tabs = t
		}},
		argKey{"lock", func(n ast.Node) {
			if b := p.Boolean(n, "lock"); b != nil {
				s.Lock = *b
			}
		}})
	if s.Lock && s.Tabs < 2 {
		p.ErrAt(kp.KeyN, "lock: true only matters with tabs: 2 or more (tabs renewing under one Web Lock)")
	}
}

func (s *refreshStep) label() string {
	switch {
	case s.Tabs > 1 && s.Lock:
		return fmt.Sprintf("%s from %d tabs under a Web Lock", s.appLabel(StepRefresh), s.Tabs)
	case s.Tabs > 1:
		return fmt.Sprintf("%s from %d tabs at once", s.appLabel(StepRefresh), s.Tabs)
	}
	return s.appLabel(StepRefresh)
}

func (s *refreshStep) yields() string { return "tokens" }

func (s *refreshStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	cur := fr.tokens[app.Name]
	if cur == nil {
		return outcome{err: fmt.Errorf("%s holds no tokens to refresh (sign it in first)", app.Name)}
	}
	if cur.RefreshToken == "" {
		return outcome{err: fmt.Errorf("%s has no refresh token (the provider issued none for scope %q)", app.Name, app.Scope)}
	}
	if s.Tabs > 1 && !s.Lock {
		return s.race(ctx, fr, app, cur)
	}
	ts, o := refreshOnce(ctx, fr, app, cur)
	if ts == nil {
		return o
	}
	fr.tokens[app.Name] = ts
	o = outcome{tokens: ts, claims: ts.IDClaims}
	if s.Tabs > 1 {
		// Under the lock the other tabs find the stored refresh token
		// changed since they read it, and take the renewed tokens.
		o.notes = append(o.notes, fmt.Sprintf("%d tabs renewed under one Web Lock: 1 refresh request; %d tabs found the stored tokens already renewed and used them", s.Tabs, s.Tabs-1))
	}
	return o
}

// race sends the same refresh token from every tab at once. The step
// fails with the provider's error when any tab was refused: reuse
// detection has then revoked the family, what the winner got included.
func (s *refreshStep) race(ctx context.Context, fr *flowRun, app *App, cur *tokenSet) outcome {
	type result struct {
		ts *tokenSet
		o  outcome
	}
	results := make([]result, s.Tabs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range results {
		wg.Go(func() {
			<-start
			ts, o := refreshOnce(ctx, fr, app, cur)
			results[i] = result{ts, o}
		})
	}
	close(start)
	wg.Wait()
	var (
		won      *tokenSet
		refused  int
		firstErr outcome
		succ     = map[string]bool{}
	)
	for _, r := range results {
		switch {
		case r.ts != nil:
			if won == nil {
				won = r.ts
			}
			succ[r.ts.RefreshToken] = true
		case r.o.err != nil:
			return r.o
		default:
			refused++
			if firstErr.authErr == nil {
				firstErr = r.o
			}
		}
	}
	if won != nil {
		fr.tokens[app.Name] = won
	}
	if refused > 0 {
		firstErr.notes = append(firstErr.notes, fmt.Sprintf("%d of %d tabs were refused: the provider saw one refresh token used more than once (reuse detection) and revoked its family, whatever it had already issued to the other tabs included", refused, s.Tabs))
		return firstErr
	}
	o := outcome{tokens: won, claims: won.IDClaims}
	note := fmt.Sprintf("all %d tabs refreshed at once", s.Tabs)
	if len(succ) == 1 {
		note += " and got the same successor refresh token (the provider's reuse interval)"
	} else {
		note += fmt.Sprintf(" and got %d different refresh tokens (no rotation, or no reuse detection)", len(succ))
	}
	o.notes = append(o.notes, note)
	return o
}

// refreshOnce redeems cur's refresh token for app: the new token set (with
// what the response left out carried over), or the failure as an outcome.
func refreshOnce(ctx context.Context, fr *flowRun, app *App, cur *tokenSet) (*tokenSet, outcome) {
	ts, err := tokenRequest(ctx, fr.b, app, fr.disc.TokenEndpoint, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {cur.RefreshToken}, "client_id": {app.ClientID},
	})
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) {
			return nil, outcome{authErr: oe}
		}
		return nil, outcome{err: err}
	}
	if ts.RefreshToken == "" {
		ts.RefreshToken = cur.RefreshToken
	}
	if ts.IDToken == "" {
		ts.IDToken, ts.IDClaims = cur.IDToken, cur.IDClaims
	}
	return ts, outcome{}
}
