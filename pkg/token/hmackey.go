package token

// MinHMACKeyLen returns the shortest secret, in bytes, that RFC 7518 §3.2
// allows for the HMAC algorithm alg (0 for other algorithms). A shorter
// secret is an input error, not a failed verification.
func MinHMACKeyLen(alg string) int { return hmacMinLen[alg] }
