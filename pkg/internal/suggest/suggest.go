// Package suggest finds the word a misspelling was meant to be, for the
// "did you mean" of error messages.
package suggest

import (
	"fmt"
	"strings"
)

// DidYouMean returns `; did you mean "x"?` for the candidate closest to s,
// or "" when none is close.
func DidYouMean(s string, candidates []string) string {
	if c := Closest(s, candidates); c != "" {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

// Closest returns the candidate within edit distance 2 of s (compared
// without case), if any; failing that, one whose beginning is within
// distance 1 of s, so an abbreviated "stripp" finds "strip_prefix".
func Closest(s string, candidates []string) string {
	ls := strings.ToLower(s)
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" || len(ls) < 4 {
		return best
	}
	for _, c := range candidates {
		if lc := strings.ToLower(c); len(lc) > len(ls) && editDistance(ls, lc[:len(ls)]) <= 1 {
			return c
		}
	}
	return ""
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
