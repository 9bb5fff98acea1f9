package scaffold

import (
	"testing"
)

// BenchmarkRender renders the vanilla template (text/template + copies).
func BenchmarkRender(b *testing.B) {
	fsys := templatesFS()
	data, err := goldenParams("vanilla").Data()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(fsys, "vanilla", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanEdit plans the registration in a commented ssokit.yaml
// (parse, conflict checks, splice, re-parse and validate).
func BenchmarkPlanEdit(b *testing.B) {
	in := []byte(`# my stack
issuer: http://localhost:9400/
users:
  - username: alice
clients:
  - client_id: shell  # the container
    redirect_uris: [http://localhost:9000/shell/callback]
apps:
  - name: shell
    path: /shell
    upstream: http://localhost:5101
`)
	reg := testRegistration()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planEdit("ssokit.yaml", in, reg); err != nil {
			b.Fatal(err)
		}
	}
}
