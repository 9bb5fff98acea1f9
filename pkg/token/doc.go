// Package token is ssokit's one JWT code path: reading untrusted input,
// decoding (always labelled unverified), verifying with an algorithm
// allow-list derived from the key, checking claims with leeway, loading keys
// from JWK, JWKS and PEM, recognising and decrypting JWEs, and building the
// claims that `ssokit token mint` signs.
//
// Security posture: Decode never verifies and its result type is named
// Unverified so no caller mistakes it for a checked token. Verify never
// accepts alg "none", never accepts an HMAC algorithm with an asymmetric key
// (the key-confusion attack), and refuses any "crit" header, since this
// package implements no JWS extensions.
package token
