package provider

import (
	"net/http"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/fault"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// activeFault is an installed fault with what is left of its scope.
type activeFault struct {
	fault.Fault
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
func (fs *faultSet) setConfigured(fl []fault.Fault) {
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

func (fs *faultSet) add(f fault.Fault) *activeFault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.addLocked(f, false)
}

func (fs *faultSet) addLocked(f fault.Fault, fromFile bool) *activeFault {
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

// take returns the first fault that fits endpoint and client, consuming
// one of its uses, or nil. Latency-only faults are applied by withFaults,
// not here.
func (fs *faultSet) take(endpoint, clientID string) *fault.Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.expireLocked()
	for i, f := range fs.list {
		if f.Latency > 0 && f.Error == "" && f.ClockSkew == 0 && f.AccessTokenTTL == 0 {
			continue
		}
		if !f.Fits(endpoint, clientID) {
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

// latency returns the delay to inject before endpoint answers. A fault
// that only delays is used up here (its count and fired tally); one that
// also forces an error or shapes tokens is used up by take.
func (fs *faultSet) latency(endpoint string) time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.expireLocked()
	for i, f := range fs.list {
		if f.Latency <= 0 || (f.Endpoint != "*" && f.Endpoint != endpoint) {
			continue
		}
		if f.Error == "" && f.ClockSkew == 0 && f.AccessTokenTTL == 0 {
			f.Fired++
			if f.Remaining > 0 {
				f.Remaining--
				if f.Remaining == 0 {
					fs.list = append(fs.list[:i], fs.list[i+1:]...)
				}
			}
		}
		return f.Latency
	}
	return 0
}

// faultShape returns the clock skew and access-token lifetime a fault
// imposes on issued tokens; zero for no fault.
func faultShape(f *fault.Fault) (skew, accessTTL time.Duration) {
	if f == nil {
		return 0, 0
	}
	return f.ClockSkew, f.AccessTokenTTL
}

// withFaults delays endpoint by any latency fault, and fires the faults of
// endpoints that do not know their client (jwks, discovery, logout).
// Client-scoped endpoints call p.fault themselves once they know the client.
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
			if _, handled := p.fault(w, r, endpoint, "", nil); handled {
				return
			}
		}
		h(w, r)
	}
}

// fault is the one place a request meets the installed faults; every
// endpoint a fault can name calls it once. It takes the fault that fits
// endpoint and clientID, using up one of its uses. A fault that forces an
// error is answered here, the endpoint's way (deliver; nil writes an OAuth
// error as JSON), and handled is true. Otherwise the fault, if any, shapes
// what the endpoint issues (clock skew, access-token lifetime).
func (p *Provider) fault(w http.ResponseWriter, r *http.Request, endpoint, clientID string, deliver func(*oidc.Error)) (shape *fault.Fault, handled bool) {
	f := p.faults.take(endpoint, clientID)
	if f == nil || f.Error == "" {
		return f, false
	}
	if deliver == nil {
		deliver = func(e *oidc.Error) { writeOAuthError(w, e) }
		if p.spec.writeError != nil {
			// the profile's error shape (Entra's), which its SDK parses
			deliver = func(e *oidc.Error) { p.spec.writeError(p, w, r, e) }
		}
	}
	info(r).outcome = "fault: " + f.Error
	p.publish(events.Event{Kind: events.KindFault, ClientID: clientID, Endpoint: endpoint, Detail: "forced " + f.Error})
	if f.Error == fault.HTTP500 {
		http.Error(w, "ssokit: injected fault (HTTP 500)", http.StatusInternalServerError)
		return nil, true
	}
	status := http.StatusBadRequest
	if f.Error == oidc.ErrTemporarilyUnavailable {
		status = http.StatusServiceUnavailable
	}
	deliver(oauthErr(status, f.Error, "injected fault: %s", f.Error))
	return nil, true
}
