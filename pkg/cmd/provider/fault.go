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
			f.Latency, err = time.ParseDuration(v)
		case "clock_skew":
			f.ClockSkew, err = time.ParseDuration(v)
		case "access_token_ttl":
			f.AccessTokenTTL, err = time.ParseDuration(v)
		case "for":
			f.For, err = time.ParseDuration(v)
		case "count":
			f.Count, err = strconv.Atoi(v)
			if err == nil && f.Count < 0 {
				err = fmt.Errorf("must not be negative")
			}
		default:
			return f, fmt.Errorf("--fault %q: unknown key %q; use endpoint, client_id, error, latency, clock_skew, access_token_ttl, count, for", s, k)
		}
		if err != nil {
			return f, fmt.Errorf("--fault %q: %s=%s: %v", s, k, v, err)
		}
	}
	if errs := (&config.Config{Faults: []config.Fault{f}}).Validate(); len(errs) > 0 {
		return f, fmt.Errorf("--fault %q: %s", s, strings.ReplaceAll(errs.Error(), "faults[0].", ""))
	}
	return f, nil
}
