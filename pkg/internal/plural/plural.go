// Package plural writes counts people read: "1 user", "2 users",
// "1 entry", "3 entries" — never "1 users" or "token(s)".
package plural

import "strconv"

// Count returns n and the noun, singular for exactly one. The plural is
// noun+"s" unless given.
func Count(n int, noun string, pluralForm ...string) string {
	return strconv.Itoa(n) + " " + Noun(n, noun, pluralForm...)
}

// Noun returns the noun for n things, without the number.
func Noun(n int, noun string, pluralForm ...string) string {
	if n == 1 {
		return noun
	}
	if len(pluralForm) > 0 {
		return pluralForm[0]
	}
	return noun + "s"
}
