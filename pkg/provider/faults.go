package provider

import (
	"net/http"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// activeFault is an installed fault with what is left of its scope.
type activeFault struct {
	config.Fault
	ID        int       `json:"id"`
	Until     time.Time `json:"until,omitzero"`
	Remaining int       `json:"remaining,omitempty"` // 0 = unlimited
	Fired     int       `json:"fired"`
	FromFile  bool      `json:"from_config"`
}

// faultSet holds injected faults. Each request takes at most one matching
// fault; a counted fault is used up after Count requests.
type faultSet struct {
	now    func() time.Time
	mu     sync.Mutex
	nextID int
	list   []*activeFault
}

func newFaultSet(now func() time.Time) *faultSet { return &faultSet{now: now} }

// setConfigured replaces the faults that came from the config file.
func (fs *faultSet) setConfigured(fl []config.Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	kept := fs.list[:0]
	for _, f := range fs.list {
		if !f.FromFile {
			kept = append(kept, f)
		}
	}
	fs.list = kept
	for _, f := range fl {
		fs.addLocked(f, true)
	}
}

func (fs *faultSet) add(f config.Fault) *activeFault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.addLocked(f, false)
}

func (fs *faultSet) addLocked(f config.Fault, fromFile bool) *activeFault {
	fs.nextID++
	if f.Endpoint == "" {
		f.Endpoint = "*"
	}
	a := &activeFault{Fault: f, ID: fs.nextID, Remaining: f.Count, FromFile: fromFile}
	if f.For > 0 {
		a.Until = fs.now().Add(f.For)
	}
	fs.list = append(fs.list, a)
	return a
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	fs.list = nil
	fs.mu.Unlock()
}

func (fs *faultSet) snapshot() []activeFault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.expireLocked()
	out := make([]activeFault, len(fs.list))
	for i, f := range fs.list {
		out[i] = *f
	}
	return out
}

func (fs *faultSet) expireLocked() {
	now := fs.now()
	kept := fs.list[:0]
	for _, f := range fs.list {
		if !f.Until.IsZero() && now.After(f.Until) {
			continue
		}
		kept = append(kept, f)
	}
	fs.list = kept
}

// take returns the first fault matching endpoint and client, consuming one
// of its uses, or nil. Latency-only faults are applied by withFaults, not here.
func (fs *faultSet) take(endpoint, clientID string) *config.Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.expireLocked()
	for i, f := range fs.list {
		if f.Latency > 0 && f.Error == "" && f.ClockSkew == 0 && f.AccessTokenTTL == 0 {
			continue
		}
		if (f.Endpoint != "*" && f.Endpoint != endpoint) || (f.ClientID != "" && f.ClientID != clientID) {
			continue
		}
		f.Fired++
		cp := f.Fault
		if f.Remaining > 0 {
			f.Remaining--
			if f.Remaining == 0 {
				fs.list = append(fs.list[:i], fs.list[i+1:]...)
			}
		}
		return &cp
	}
	return nil
}

// latency returns the delay to inject before endpoint answers.
func (fs *faultSet) latency(endpoint string) time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.expireLocked()
	for _, f := range fs.list {
		if f.Latency > 0 && (f.Endpoint == "*" || f.Endpoint == endpoint) {
			return f.Latency
		}
	}
	return 0
}

// faultShape returns the clock skew and access-token lifetime a fault
// imposes on issued tokens; zero for no fault.
func faultShape(f *config.Fault) (skew, accessTTL time.Duration) {
	if f == nil {
		return 0, 0
	}
	return f.ClockSkew, f.AccessTokenTTL
}

// withFaults delays endpoint by any latency fault. Client-scoped faults are
// taken by the handlers, which know the client.
func (p *Provider) withFaults(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d := p.faults.latency(endpoint); d > 0 {
			p.publish(events.Event{Kind: events.KindFault, Endpoint: endpoint, Detail: "latency " + d.String()})
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if endpoint == "jwks" || endpoint == "discovery" || endpoint == "logout" {
			if f := p.faults.take(endpoint, ""); f != nil && f.Error != "" {
				p.injectError(w, r, f, func(e *oidc.Error) { writeOAuthError(w, e) })
				return
			}
		}
		h(w, r)
	}
}

// injectError answers a forced error: an HTTP 500, or an OAuth error
// delivered the endpoint's way.
func (p *Provider) injectError(w http.ResponseWriter, r *http.Request, f *config.Fault, deliver func(*oidc.Error)) {
	info(r).outcome = "fault: " + f.Error
	p.publish(events.Event{Kind: events.KindFault, ClientID: f.ClientID, Endpoint: info(r).endpoint, Detail: "forced " + f.Error})
	if f.Error == "http_500" {
		http.Error(w, "ssokit: injected fault (HTTP 500)", http.StatusInternalServerError)
		return
	}
	status := http.StatusBadRequest
	if f.Error == oidc.ErrTemporarilyUnavailable {
		status = http.StatusServiceUnavailable
	}
	deliver(oauthErr(status, f.Error, "injected fault: %s", f.Error))
}
