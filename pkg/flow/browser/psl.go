package browser

import "strings"

// The public suffix rules the simulator knows. This is a deliberate subset
// of https://publicsuffix.org/list/ (the module may not take new
// dependencies): the generic and country TLDs people deploy on, common
// second-level registries, and the private suffixes where micro-frontends
// are often hosted. A host under a suffix not listed here is treated as
// having no registrable domain, so it is its own site — the same thing
// Chromium does for a registry it does not know, such as "localhost".
var publicSuffixes = setOf(`
com net org edu gov mil int info biz name pro mobi asia tel travel jobs
io co ai app dev page cloud tech site online store shop blog xyz me tv cc
us uk de fr nl be ch at es it pt se no dk fi pl cz sk hu ro gr ie is lu li
ca mx br ar cl pe au nz jp cn hk tw kr in sg id my th vn ph za ng ke eg il
tr ru ua by kz ae sa qa eu
co.uk ac.uk gov.uk org.uk ltd.uk plc.uk me.uk net.uk sch.uk nhs.uk
com.au net.au org.au edu.au gov.au id.au
co.nz org.nz net.nz govt.nz ac.nz
co.jp ne.jp or.jp ac.jp go.jp
com.br net.br org.br gov.br
com.cn net.cn org.cn gov.cn edu.cn
com.hk com.tw com.sg com.my co.in net.in org.in gov.in co.za co.kr or.kr
com.mx com.ar com.tr co.il org.il com.ua
github.io githubusercontent.com gitlab.io herokuapp.com vercel.app
netlify.app pages.dev workers.dev web.app firebaseapp.com appspot.com
blogspot.com azurewebsites.net azurestaticapps.net cloudfront.net
onrender.com fly.dev glitch.me ngrok.io ngrok-free.app trycloudflare.com
s3.amazonaws.com elasticbeanstalk.com
`)

// wildcardSuffixes hold rules of the form "*.suffix".
var wildcardSuffixes = setOf(`ck bd compute.amazonaws.com`)

// exceptionSuffixes hold rules of the form "!domain".
var exceptionSuffixes = setOf(`www.ck`)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}
