package provider

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
)

// BenchmarkTenantsLoginFlow: does a tenant cost anything per request? One
// full login flow (authorize → form → POST → code → token exchange, fresh
// cookie jar, in-process) against the single tenant of a one-tenant
// router, one against a tenant of a 50-tenant router (each in turn), and
// one against a bare Provider (no router), interleaved in the same loop (each
// first in turn) so the machine's load hits all three alike. Each tenant has its own RSA key.
// Reported: flows/s of each (from the median flow) and fifty/one (1.0 =
// no cost).
func BenchmarkTenantsLoginFlow(b *testing.B) {
	router := func(n int) (*Tenants, []*testOP) {
		cfg := &config.Config{}
		for i := range n {
			cfg.Tenants = append(cfg.Tenants, config.Tenant{Name: fmt.Sprintf("t%02d", i)})
		}
		ts, err := NewTenants(TenantsOptions{Options: Options{Issuer: "http://localhost:9400/", Config: cfg, Keys: testKeys()}})
		if err != nil {
			b.Fatal(err)
		}
		var ops []*testOP
		for _, ti := range ts.List() {
			ops = append(ops, &testOP{issuer: ti.Issuer})
		}
		return ts, ops
	}
	one, oneOps := router(1)
	defer one.Close()
	fifty, fiftyOps := router(50)
	defer fifty.Close()
	if len(oneOps) != 1 || len(fiftyOps) != 50 {
		b.Fatalf("%d and %d tenants", len(oneOps), len(fiftyOps))
	}
	bare, err := New(Options{Issuer: "http://localhost:9400/", Keys: testKeys()})
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	bareOp := &testOP{Provider: bare, issuer: "http://localhost:9400/"}
	var tOne, tFifty, tBare []time.Duration
	timed := func(d *[]time.Duration, op *testOP, h http.Handler) {
		t0 := time.Now()
		loginFlow(b, op, inProcess{h})
		*d = append(*d, time.Since(t0))
	}
	arms := []func(i int){
		func(int) { timed(&tOne, oneOps[0], one) },
		func(i int) { timed(&tFifty, fiftyOps[i%50], fifty) },
		func(int) { timed(&tBare, bareOp, bare) },
	}
	i := 0
	for b.Loop() {
		for k := range arms { // each arm goes first in turn: no order bias
			arms[(i+k)%len(arms)](i)
		}
		i++
	}
	// medians: on a shared machine one descheduled flow would swing a mean
	rate := func(d []time.Duration) float64 { return 1 / median(d).Seconds() }
	b.ReportMetric(rate(tOne), "one-tenant-flows/s")
	b.ReportMetric(rate(tFifty), "fifty-tenants-flows/s")
	b.ReportMetric(rate(tBare), "bare-provider-flows/s")
	b.ReportMetric(rate(tFifty)/rate(tOne), "fifty/one")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
