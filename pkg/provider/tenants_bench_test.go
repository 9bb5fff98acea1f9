package provider

import (
	"fmt"
	"net/http"
	"runtime"
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
// Reported: flows/s of each (from the median flow's wall time); on Linux
// the median flow's CPU time on its thread, which a loaded machine does not
// inflate; and fifty/one (1.0 = no cost), the median of each iteration's
// pair, in wall and CPU time.
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
	// wall time and the thread's CPU time of each flow (the flow runs in
	// this goroutine, locked to its thread: inProcess calls the handler)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var tOne, tFifty, tBare, cOne, cFifty, cBare []time.Duration
	timed := func(d, c *[]time.Duration, op *testOP, h http.Handler) {
		c0, _ := threadCPU()
		t0 := time.Now()
		loginFlow(b, op, inProcess{h})
		*d = append(*d, time.Since(t0))
		c1, _ := threadCPU()
		*c = append(*c, c1-c0)
	}
	arms := []func(i int){
		func(int) { timed(&tOne, &cOne, oneOps[0], one) },
		func(i int) { timed(&tFifty, &cFifty, fiftyOps[i%50], fifty) },
		func(int) { timed(&tBare, &cBare, bareOp, bare) },
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
	// the ratio of each iteration's pair (same moment, same load), median
	b.ReportMetric(pairedRatio(tOne, tFifty), "fifty/one")
	if median(cOne) > 0 {
		b.ReportMetric(float64(median(cOne).Microseconds()), "one-tenant-cpu-µs")
		b.ReportMetric(float64(median(cFifty).Microseconds()), "fifty-tenants-cpu-µs")
		b.ReportMetric(float64(median(cBare).Microseconds()), "bare-provider-cpu-µs")
		b.ReportMetric(pairedRatio(cOne, cFifty), "fifty/one-cpu")
	}
}

// pairedRatio is the median over iterations of num[i]/den[i] as a rate
// ratio: den's rate over num's (1.0 = as fast; below 1, den is slower).
func pairedRatio(num, den []time.Duration) float64 {
	rs := make([]float64, 0, len(num))
	for i := range num {
		if den[i] > 0 {
			rs = append(rs, float64(num[i])/float64(den[i]))
		}
	}
	if len(rs) == 0 {
		return 0
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
