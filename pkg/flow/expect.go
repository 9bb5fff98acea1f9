package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/token"
)

// check returns every way the step's outcome misses its expectations. A
// step without expectations passes when it did what it says. An error or
// an OAuth error decides alone; otherwise every expectation is checked,
// in the order of the expectations table.
func (fr *flowRun) check(ctx context.Context, st *Step, o outcome) []string {
	e := st.Expect
	if e == nil {
		e = &Expect{}
	}
	if o.err != nil {
		return []string{o.err.Error()}
	}
	if o.authErr != nil {
		return checkAuthError(st, e, o)
	}
	if e.Error != "" {
		got := "success"
		if o.tokens != nil {
			got = "tokens"
		}
		return []string{fmt.Sprintf("expected error %s, got %s", e.Error, got)}
	}
	in := &checked{ctx: ctx, fr: fr, e: e, o: o, claims: o.claims}
	if in.claims == nil && o.tokens != nil {
		in.claims = o.tokens.IDClaims
	}
	var fails []string
	for _, x := range expectations {
		fails = append(fails, x.check(in)...)
	}
	return fails
}

// checkAuthError checks a step that ended with an OAuth error: it passes
// when that error, or no tokens, was the expectation.
func checkAuthError(st *Step, e *Expect, o outcome) []string {
	switch {
	case e.Error == "" && e.Tokens != nil && !*e.Tokens:
		return nil // "no tokens" was the expectation
	case e.Error == "":
		msg := fmt.Sprintf("expected %s, got error %s", st.act.yields(), o.authErr.Code)
		if o.authErr.Code == ErrLoginFailed {
			msg += ": " + o.authErr.Description // the simulator's own outcome: say why
		}
		return []string{msg}
	case o.authErr.Code != e.Error:
		return []string{fmt.Sprintf("expected error %s, got error %s", e.Error, o.authErr.Code)}
	}
	return nil
}

// checked is what an expectation looks at: a step's outcome that is not
// an error, the claims it produced (the ID token's, or userinfo's) and the
// flow's state.
type checked struct {
	ctx    context.Context
	fr     *flowRun
	e      *Expect
	o      outcome
	claims map[string]any
}

// expectations are the checks of an expect: block, named by their key,
// in the order failures are listed. Each returns its failures, none when
// the expectation is not set.
var expectations = []struct {
	name  string
	check func(*checked) []string
}{
	{"tokens", expectTokens},
	{"claims", expectSomeClaims},
	{"claims", expectClaims},
	{"claims_contain", expectClaimsContain},
	{"claims_match", expectClaimsMatch},
	{"same_sub_as", expectSameSub},
	{"lifetime", expectLifetime},
	{"signature", expectSignature},
	{"refresh_token", expectRefreshToken},
	{"frontchannel", expectFrontchannel},
}

func expectTokens(in *checked) []string {
	if in.e.Tokens == nil {
		return nil
	}
	switch has := in.o.tokens != nil; {
	case has && !*in.e.Tokens:
		return []string{"expected no tokens, got tokens"}
	case !has && *in.e.Tokens:
		return []string{"expected tokens, got none"}
	}
	return nil
}

// expectSomeClaims fails once when claims are expected and there are none,
// rather than once per claim.
func expectSomeClaims(in *checked) []string {
	if len(in.e.Claims)+len(in.e.ClaimsContain)+len(in.e.ClaimsMatch) > 0 && in.claims == nil {
		return []string{"expected claims, but the step produced none"}
	}
	return nil
}

func expectClaims(in *checked) []string {
	var fails []string
	for _, k := range sortedKeys(in.e.Claims) {
		want := in.e.Claims[k]
		got, ok := in.claims[k]
		if !ok {
			fails = append(fails, fmt.Sprintf("claim %s: missing, want %s", k, show(want)))
		} else if !claimEqual(got, want) {
			fails = append(fails, fmt.Sprintf("claim %s: got %s, want %s", k, show(got), show(want)))
		}
	}
	return fails
}

func expectClaimsContain(in *checked) []string {
	var fails []string
	for _, k := range sortedKeys(in.e.ClaimsContain) {
		want := in.e.ClaimsContain[k]
		got, ok := in.claims[k]
		if !ok {
			fails = append(fails, fmt.Sprintf("claim %s: missing, want it to contain %s", k, show(want)))
		} else if !claimContains(got, want) {
			fails = append(fails, fmt.Sprintf("claim %s: got %s, want it to contain %s", k, show(got), show(want)))
		}
	}
	return fails
}

func expectClaimsMatch(in *checked) []string {
	var fails []string
	for _, k := range sortedKeys(in.e.ClaimsMatch) {
		re := in.e.ClaimsMatch[k]
		got, ok := in.claims[k]
		if !ok {
			fails = append(fails, fmt.Sprintf("claim %s: missing, want it to match /%s/", k, re))
		} else if s := fmt.Sprint(got); !re.MatchString(s) {
			fails = append(fails, fmt.Sprintf("claim %s: got %s, want it to match /%s/", k, show(got), re))
		}
	}
	return fails
}

// expectSameSub checks same_sub_as (the same sub as another app's ID
// token) and same_session_as (the same sub and sid).
func expectSameSub(in *checked) []string {
	e := in.e
	if e.SameSubAs == "" && e.SameSessionAs == "" {
		return nil
	}
	other := e.SameSessionAs
	if other == "" {
		other = e.SameSubAs
	}
	ot := in.fr.tokens[other]
	switch {
	case ot == nil || ot.IDClaims == nil:
		return []string{fmt.Sprintf("%s holds no ID token to compare with", other)}
	case in.claims == nil:
		return []string{fmt.Sprintf("no ID token to compare with %s's", other)}
	}
	var fails []string
	if fmt.Sprint(in.claims["sub"]) != fmt.Sprint(ot.IDClaims["sub"]) {
		fails = append(fails, fmt.Sprintf("sub %s differs from %s's sub %s", show(in.claims["sub"]), other, show(ot.IDClaims["sub"])))
	}
	if e.SameSessionAs != "" {
		mine, ok1 := in.claims["sid"]
		theirs, ok2 := ot.IDClaims["sid"]
		switch {
		case !ok1 || !ok2:
			fails = append(fails, fmt.Sprintf("same_session_as %s: the ID tokens carry no sid claim to compare", other))
		case fmt.Sprint(mine) != fmt.Sprint(theirs):
			fails = append(fails, fmt.Sprintf("sid %s differs from %s's sid %s: a different session", show(mine), other, show(theirs)))
		}
	}
	return fails
}

// expectLifetime bounds the ID token's exp − iat.
func expectLifetime(in *checked) []string {
	e := in.e
	if e.LifetimeMin == 0 && e.LifetimeMax == 0 {
		return nil
	}
	if in.claims == nil {
		return []string{"lifetime: no ID token"}
	}
	iat, ok1 := num(in.claims["iat"])
	exp, ok2 := num(in.claims["exp"])
	if !ok1 || !ok2 {
		return []string{"lifetime: the ID token lacks iat or exp"}
	}
	var fails []string
	life := time.Duration(exp-iat) * time.Second
	if e.LifetimeMin > 0 && life < e.LifetimeMin {
		fails = append(fails, fmt.Sprintf("ID token lifetime %s is below the minimum %s", life, e.LifetimeMin))
	}
	if e.LifetimeMax > 0 && life > e.LifetimeMax {
		fails = append(fails, fmt.Sprintf("ID token lifetime %s is above the maximum %s", life, e.LifetimeMax))
	}
	return fails
}

// expectSignature verifies the ID token against the provider's JWKS,
// fetched once per run.
func expectSignature(in *checked) []string {
	if !in.e.Signature {
		return nil
	}
	if in.o.tokens == nil || in.o.tokens.IDToken == "" {
		return []string{"signature: no ID token to verify"}
	}
	res, err := in.fr.keys.Verify(in.ctx, in.o.tokens.IDToken, token.VerifyOptions{Now: in.fr.r.Now, Leeway: token.DefaultLeeway})
	switch {
	case err != nil:
		return []string{fmt.Sprintf("ID token signature: %v", err)}
	case !res.Valid:
		return []string{fmt.Sprintf("ID token signature: %s", res.Reason)}
	}
	return nil
}

func expectRefreshToken(in *checked) []string {
	if in.e.RefreshToken == nil {
		return nil
	}
	switch has := in.o.tokens != nil && in.o.tokens.RefreshToken != ""; {
	case has && !*in.e.RefreshToken:
		return []string{"expected no refresh token, got one"}
	case !has && *in.e.RefreshToken:
		return []string{"expected a refresh token, got none"}
	}
	return nil
}

// expectFrontchannel checks that a logout loaded the front-channel logout
// URI of every listed app.
func expectFrontchannel(in *checked) []string {
	var fails []string
	for _, a := range in.e.Frontchannel {
		if !slices.Contains(in.o.frontchannel, a) {
			fails = append(fails, fmt.Sprintf("the provider did not load %s's front-channel logout URI", a))
		}
	}
	return fails
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// normalise turns a YAML value into what json.Unmarshal would produce.
func normalise(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func claimEqual(got, want any) bool {
	if reflect.DeepEqual(normalise(got), normalise(want)) {
		return true
	}
	// 123 and "123" are the same to people writing YAML.
	_, gs := got.(string)
	_, ws := want.(string)
	if gs != ws {
		return fmt.Sprint(normalise(got)) == fmt.Sprint(normalise(want))
	}
	return false
}

func claimContains(got, want any) bool {
	switch g := normalise(got).(type) {
	case []any:
		wants, ok := normalise(want).([]any)
		if !ok {
			wants = []any{normalise(want)}
		}
		for _, w := range wants {
			found := false
			for _, e := range g {
				if claimEqual(e, w) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	case map[string]any:
		wm, ok := normalise(want).(map[string]any)
		if !ok {
			_, has := g[fmt.Sprint(want)]
			return has
		}
		for k, w := range wm {
			if !claimEqual(g[k], w) {
				return false
			}
		}
		return true
	case string:
		return strings.Contains(g, fmt.Sprint(want))
	}
	return claimEqual(got, want)
}

func num(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int64:
		return n, true
	}
	return 0, false
}
