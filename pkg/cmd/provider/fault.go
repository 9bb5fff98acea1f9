package provider

import (
	"fmt"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/fault"
)

// ParseFault reads a --fault value: comma-separated key=value pairs with
// the keys of ssokit.yaml's faults: entries, e.g.
// "endpoint=token,error=temporarily_unavailable,count=1" (see fault.Parse).
func ParseFault(s string) (config.Fault, error) {
	f, err := fault.Parse(s)
	if err != nil {
		return f, fmt.Errorf("--fault %q: %v", s, err)
	}
	return f, nil
}
