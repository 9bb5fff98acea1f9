// Package inspect is the Bubble Tea model behind `ssokit inspect`: a
// two-pane token debugger. The left pane lists tokens (client, user, type,
// issue time, a live expiry countdown, verification status), grouped by SSO
// session (sid); the right pane shows the selected token's header, claims
// with explanations, verification checks and raw form.
//
// Tokens come from the caller (arguments, files, stdin), from pastes, and
// from a provider's live event stream (Follow). The package knows nothing of
// cobra; it takes options, a clock and a Verifier, and draws on whatever
// writer the program is given (the command uses stderr).
package inspect
