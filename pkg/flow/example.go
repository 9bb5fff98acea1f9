package flow

import _ "embed"

//go:embed example/flows.yaml
var example []byte

// Example returns the commented example suite `ssokit flow init` writes. It
// covers the standard micro-frontend scenarios and passes against the
// embedded provider.
func Example() []byte { return append([]byte(nil), example...) }
