package browser

import (
	"strconv"
	"strings"
	"time"
)

// SameSiteMode is a cookie's SameSite attribute.
type SameSiteMode int

const (
	// SameSiteUnset: no (recognised) SameSite attribute. Chrome treats it as
	// Lax ("Lax by default"); Safari and Firefox treat it as None.
	SameSiteUnset SameSiteMode = iota
	SameSiteNone
	SameSiteLax
	SameSiteStrict
)

func (m SameSiteMode) String() string {
	switch m {
	case SameSiteNone:
		return "None"
	case SameSiteLax:
		return "Lax"
	case SameSiteStrict:
		return "Strict"
	}
	return "unset"
}

// maxAttrValue is RFC 6265bis's limit on an attribute value's length.
const maxAttrValue = 1024

// setCookie is a parsed Set-Cookie header before the storage model runs
// (RFC 6265bis section 5.6).
type setCookie struct {
	name, value   string
	expires       time.Time // zero: no Expires
	maxAge        *int64
	domain        string
	hasDomain     bool
	path          string
	secure        bool
	httpOnly      bool
	sameSite      SameSiteMode
	partitioned   bool
	sameSiteValue string // the attribute's text, for messages
}

// parseSetCookie implements the Set-Cookie parsing algorithm of RFC 6265bis
// section 5.6. ok is false when the header must be ignored entirely.
func parseSetCookie(header string) (c setCookie, ok bool) {
	if strings.ContainsAny(header, "\x00\r\n") {
		return c, false // control characters: ignore the whole header
	}
	nv, attrs, _ := strings.Cut(header, ";")
	if name, value, found := strings.Cut(nv, "="); found {
		c.name, c.value = trimWSP(name), trimWSP(value)
	} else {
		c.value = trimWSP(nv) // a nameless cookie
	}
	if c.name == "" && c.value == "" {
		return c, false
	}
	if len(c.name)+len(c.value) > 4096 {
		return c, false
	}
	for attrs != "" {
		var av string
		av, attrs, _ = strings.Cut(attrs, ";")
		name, value, _ := strings.Cut(av, "=")
		name, value = trimWSP(name), trimWSP(value)
		if len(value) > maxAttrValue {
			continue
		}
		switch strings.ToLower(name) {
		case "expires":
			if t, ok := parseCookieDate(value); ok {
				c.expires = t
			}
		case "max-age":
			if n, ok := parseMaxAge(value); ok {
				c.maxAge = &n
			}
		case "domain":
			if value == "" {
				continue
			}
			c.domain = strings.ToLower(strings.TrimPrefix(value, "."))
			c.hasDomain = true
		case "path":
			if value == "" || value[0] != '/' {
				c.path = "" // default-path applies
			} else {
				c.path = value
			}
		case "secure":
			c.secure = true
		case "httponly":
			c.httpOnly = true
		case "samesite":
			c.sameSiteValue = value
			switch strings.ToLower(value) {
			case "none":
				c.sameSite = SameSiteNone
			case "lax":
				c.sameSite = SameSiteLax
			case "strict":
				c.sameSite = SameSiteStrict
			default:
				c.sameSite = SameSiteUnset // an unknown value is "Default"
			}
		case "partitioned":
			c.partitioned = true
		}
	}
	return c, true
}

func trimWSP(s string) string { return strings.Trim(s, " \t") }

func parseMaxAge(v string) (int64, bool) {
	if v == "" {
		return 0, false
	}
	digits := strings.TrimPrefix(v, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		// Overflow: a huge positive Max-Age is "far future".
		if v[0] == '-' {
			return -1, true
		}
		return 1 << 40, true
	}
	return n, true
}

// parseCookieDate implements RFC 6265bis section 5.1.1, the lenient cookie
// date algorithm browsers use for Expires.
func parseCookieDate(s string) (time.Time, bool) {
	isDelim := func(r byte) bool {
		return r == 0x09 || (r >= 0x20 && r <= 0x2F) || (r >= 0x3B && r <= 0x40) ||
			(r >= 0x5B && r <= 0x60) || (r >= 0x7B && r <= 0x7E)
	}
	var tokens []string
	for i := 0; i < len(s); {
		for i < len(s) && isDelim(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isDelim(s[j]) {
			j++
		}
		if j > i {
			tokens = append(tokens, s[i:j])
		}
		i = j
	}
	var (
		foundTime, foundDay, foundMonth, foundYear bool
		hh, mm, ss, day, month, year               int
	)
	months := []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	for _, tok := range tokens {
		if !foundTime {
			if h, m, sec, ok := parseTimeToken(tok); ok {
				hh, mm, ss, foundTime = h, m, sec, true
				continue
			}
		}
		if !foundDay {
			if n, ok := leadingDigits(tok, 1, 2); ok {
				day, foundDay = n, true
				continue
			}
		}
		if !foundMonth && len(tok) >= 3 {
			p := strings.ToLower(tok[:3])
			found := false
			for i, m := range months {
				if p == m {
					month, foundMonth, found = i+1, true, true
					break
				}
			}
			if found {
				continue
			}
		}
		if !foundYear {
			if n, ok := leadingDigits(tok, 2, 4); ok {
				year, foundYear = n, true
				continue
			}
		}
	}
	if year >= 70 && year <= 99 {
		year += 1900
	} else if year >= 0 && year <= 69 && foundYear {
		year += 2000
	}
	if !foundTime || !foundDay || !foundMonth || !foundYear ||
		day < 1 || day > 31 || year < 1601 || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hh, mm, ss, 0, time.UTC)
	if t.Day() != day { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}

// leadingDigits parses min..max digits at the start of tok, optionally
// followed by non-digits.
func leadingDigits(tok string, min, max int) (int, bool) {
	n := 0
	for n < len(tok) && tok[n] >= '0' && tok[n] <= '9' {
		n++
	}
	if n < min || n > max {
		return 0, false
	}
	v, _ := strconv.Atoi(tok[:n])
	return v, true
}

// parseTimeToken matches hms-time: 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT, then anything.
func parseTimeToken(tok string) (h, m, s int, ok bool) {
	parts := strings.SplitN(tok, ":", 3)
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var vals [3]int
	for i, p := range parts {
		if i == 2 {
			v, ok := leadingDigits(p, 1, 2)
			if !ok {
				return 0, 0, 0, false
			}
			vals[i] = v
			continue
		}
		if len(p) < 1 || len(p) > 2 || strings.Trim(p, "0123456789") != "" {
			return 0, 0, 0, false
		}
		vals[i], _ = strconv.Atoi(p)
	}
	return vals[0], vals[1], vals[2], true
}
