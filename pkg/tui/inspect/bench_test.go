package inspect

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

// model10k holds 10,000 tokens across 2,000 sessions and 5 clients.
func model10k(b *testing.B) *Model {
	b.Helper()
	clients := []string{"shell", "account", "checkout", "search", "admin"}
	ins := make([]Input, 10000)
	for i := range ins {
		c := map[string]any{
			"iss": "http://localhost:9400/", "sub": fmt.Sprintf("user%d", i%700), "aud": clients[i%5], "azp": clients[i%5],
			"sid": fmt.Sprintf("s-%d", i%2000), "iat": now.Unix(), "exp": now.Add(time.Duration(i) * time.Second).Unix(), "jti": fmt.Sprint(i),
		}
		ins[i] = Input{Raw: tokentest.Sign(b, jose.HS256, "", c, nil), Meta: Meta{Source: "arg"}}
	}
	m := New(Options{Now: func() time.Time { return now }, TickInterval: -1}, ins)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return m
}

// BenchmarkFilter10k is one keystroke in the filter: refilter 10,000
// tokens and redraw.
func BenchmarkFilter10k(b *testing.B) {
	m := model10k(b)
	m.Update(keyMsg("/"))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			typeText(m, "7")
		} else {
			m.Update(keyMsg("backspace"))
		}
		_ = m.Render()
	}
}

// BenchmarkNavigate10k is one cursor move plus redraw.
func BenchmarkNavigate10k(b *testing.B) {
	m := model10k(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			m.Update(keyMsg("j"))
		} else {
			m.Update(keyMsg("k"))
		}
		_ = m.Render()
	}
}

// BenchmarkTick10k is the once-a-second countdown redraw.
func BenchmarkTick10k(b *testing.B) {
	m := model10k(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Update(TickMsg(now.Add(time.Duration(i) * time.Second)))
		_ = m.Render()
	}
}

// BenchmarkAdd10k is a followed event arriving with 10,000 tokens held.
func BenchmarkAdd10k(b *testing.B) {
	m := model10k(b)
	raws := make([]string, 2000)
	for i := range raws {
		raws[i] = tokentest.Sign(b, jose.HS256, "", map[string]any{"sub": "x", "jti": fmt.Sprint(i), "sid": "s-new"}, nil)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Update(eventMsg{Kind: "token", Token: raws[i%len(raws)], SID: "s-new"})
		_ = m.Render()
	}
}
