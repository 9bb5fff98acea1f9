package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/token"
)

// check returns every way the step's outcome misses its expectations. A
// step without expectations passes when it did what it says.
func (fr *flowRun) check(ctx context.Context, st *Step, o outcome) []string {
	e := st.Expect
	if e == nil {
		e = &Expect{}
	}
	if o.err != nil {
		return []string{o.err.Error()}
	}
	var fails []string
	failf := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	if o.authErr != nil {
		if e.Error == "" {
			if e.Tokens != nil && !*e.Tokens {
				return nil // "no tokens" was the expectation
			}
			return []string{fmt.Sprintf("expected %s, got error %s", st.act.yields(), o.authErr.Code)}
		}
		if o.authErr.Code != e.Error {
			failf("expected error %s, got error %s", e.Error, o.authErr.Code)
		}
		return fails
	}
	if e.Error != "" {
		got := "success"
		if o.tokens != nil {
			got = "tokens"
		}
		failf("expected error %s, got %s", e.Error, got)
		return fails
	}
	if e.Tokens != nil {
		has := o.tokens != nil
		if *e.Tokens != has {
			if has {
				failf("expected no tokens, got tokens")
			} else {
				failf("expected tokens, got none")
			}
		}
	}
	claims := o.claims
	if claims == nil && o.tokens != nil {
		claims = o.tokens.IDClaims
	}
	needClaims := len(e.Claims)+len(e.ClaimsContain)+len(e.ClaimsMatch) > 0
	if needClaims && claims == nil {
		failf("expected claims, but the step produced none")
	}
	for _, k := range sortedKeys(e.Claims) {
		want := e.Claims[k]
		got, ok := claims[k]
		if !ok {
			failf("claim %s: missing, want %s", k, show(want))
		} else if !claimEqual(got, want) {
			failf("claim %s: got %s, want %s", k, show(got), show(want))
		}
	}
	for _, k := range sortedKeys(e.ClaimsContain) {
		want := e.ClaimsContain[k]
		got, ok := claims[k]
		if !ok {
			failf("claim %s: missing, want it to contain %s", k, show(want))
		} else if !claimContains(got, want) {
			failf("claim %s: got %s, want it to contain %s", k, show(got), show(want))
		}
	}
	for _, k := range sortedKeys(e.ClaimsMatch) {
		re := e.ClaimsMatch[k]
		got, ok := claims[k]
		if !ok {
			failf("claim %s: missing, want it to match /%s/", k, re)
		} else if s := fmt.Sprint(got); !re.MatchString(s) {
			failf("claim %s: got %s, want it to match /%s/", k, show(got), re)
		}
	}
	if e.SameSubAs != "" || e.SameSessionAs != "" {
		other := e.SameSessionAs
		if other == "" {
			other = e.SameSubAs
		}
		ot := fr.tokens[other]
		switch {
		case ot == nil || ot.IDClaims == nil:
			failf("%s holds no ID token to compare with", other)
		case claims == nil:
			failf("no ID token to compare with %s's", other)
		default:
			if fmt.Sprint(claims["sub"]) != fmt.Sprint(ot.IDClaims["sub"]) {
				failf("sub %s differs from %s's sub %s", show(claims["sub"]), other, show(ot.IDClaims["sub"]))
			}
			if e.SameSessionAs != "" {
				mine, ok1 := claims["sid"]
				theirs, ok2 := ot.IDClaims["sid"]
				switch {
				case !ok1 || !ok2:
					failf("same_session_as %s: the ID tokens carry no sid claim to compare", other)
				case fmt.Sprint(mine) != fmt.Sprint(theirs):
					failf("sid %s differs from %s's sid %s: a different session", show(mine), other, show(theirs))
				}
			}
		}
	}
	if e.LifetimeMin > 0 || e.LifetimeMax > 0 {
		if claims == nil {
			failf("lifetime: no ID token")
		} else {
			iat, ok1 := num(claims["iat"])
			exp, ok2 := num(claims["exp"])
			if !ok1 || !ok2 {
				failf("lifetime: the ID token lacks iat or exp")
			} else {
				life := time.Duration(exp-iat) * time.Second
				if e.LifetimeMin > 0 && life < e.LifetimeMin {
					failf("ID token lifetime %s is below the minimum %s", life, e.LifetimeMin)
				}
				if e.LifetimeMax > 0 && life > e.LifetimeMax {
					failf("ID token lifetime %s is above the maximum %s", life, e.LifetimeMax)
				}
			}
		}
	}
	if e.Signature {
		if o.tokens == nil || o.tokens.IDToken == "" {
			failf("signature: no ID token to verify")
		} else if res, err := fr.keys.Verify(ctx, o.tokens.IDToken, token.VerifyOptions{Now: fr.r.Now, Leeway: token.DefaultLeeway}); err != nil {
			failf("ID token signature: %v", err)
		} else if !res.Valid {
			failf("ID token signature: %s", res.Reason)
		}
	}
	if e.RefreshToken != nil {
		has := o.tokens != nil && o.tokens.RefreshToken != ""
		if has != *e.RefreshToken {
			if has {
				failf("expected no refresh token, got one")
			} else {
				failf("expected a refresh token, got none")
			}
		}
	}
	if len(e.Frontchannel) > 0 {
		got := map[string]bool{}
		for _, a := range o.frontchannel {
			got[a] = true
		}
		for _, a := range e.Frontchannel {
			if !got[a] {
				failf("the provider did not load %s's front-channel logout URI", a)
			}
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
