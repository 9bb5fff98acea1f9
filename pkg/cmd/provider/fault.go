package provider

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
)

// ParseFault reads a --fault value: comma-separated key=value pairs with
// the keys of ssokit.yaml's faults: entries, e.g.
// "endpoint=token,error=temporarily_unavailable,count=1".
func ParseFault(s string) (config.Fault, error) {
	var f config.Fault
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || v == "" {
			return f, fmt.Errorf("--fault %q: %q is not key=value; e.g. endpoint=token,error=temporarily_unavailable,count=1", s, kv)
		}
		var err error
		switch k {
		case "endpoint":
			f.Endpoint = v
		case "client_id":
			f.ClientID = v
		case "error":
			f.Error = v
		case "latency":
			f.Latency, err = duration(k, v)
		case "clock_skew":
			f.ClockSkew, err = duration(k, v)
		case "access_token_ttl":
			f.AccessTokenTTL, err = duration(k, v)
		case "for":
			f.For, err = duration(k, v)
		case "count":
			f.Count, err = strconv.Atoi(v)
			switch {
			case err != nil:
				err = fmt.Errorf("count %q is not a whole number", v)
			case f.Count < 0:
				err = fmt.Errorf("count %d must not be negative", f.Count)
			}
		default:
			return f, fmt.Errorf("--fault %q: unknown key %q; use endpoint, client_id, error, latency, clock_skew, access_token_ttl, count, for", s, k)
		}
		if err != nil {
			return f, fmt.Errorf("--fault %q: %v", s, err)
		}
	}
	if errs := (&config.Config{Faults: []config.Fault{f}}).Validate(); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			// The config's own words, without its file (there is none)
			// and with the flag's key instead of the faults[0] path.
			msgs[i] = e.Msg
			if field := strings.TrimPrefix(strings.TrimPrefix(e.Field, "faults[0]"), "."); field != "" {
				msgs[i] = field + ": " + e.Msg
			}
		}
		return f, fmt.Errorf("--fault %q: %s", s, strings.Join(msgs, "; "))
	}
	return f, nil
}

// duration parses a --fault duration with a message for people, not
// time.ParseDuration's.
func duration(key, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration such as 500ms, 2s or 1m", key, v)
	}
	return d, nil
}
