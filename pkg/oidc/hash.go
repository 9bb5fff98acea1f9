package oidc

import "crypto/sha512"

func sha512_384(b []byte) [48]byte { return sha512.Sum384(b) }
func sha512_512(b []byte) [64]byte { return sha512.Sum512(b) }
