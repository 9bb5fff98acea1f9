package provider

import "container/list"

// ordered is a map that remembers insertion order and holds at most max
// entries: putting one more evicts the oldest. Every store of the provider
// is one, so no traffic can grow memory without bound. Not safe for
// concurrent use; memStore's mutex guards it.
type ordered[V any] struct {
	max int
	m   map[string]*list.Element
	l   list.List
}

type kv[V any] struct {
	k string
	v V
}

func newOrdered[V any](max int) *ordered[V] {
	return &ordered[V]{max: max, m: map[string]*list.Element{}}
}

func (o *ordered[V]) get(k string) (V, bool) {
	if e, ok := o.m[k]; ok {
		return e.Value.(*kv[V]).v, true
	}
	var zero V
	return zero, false
}

// put adds or replaces k. When that makes the map exceed max, the oldest
// entry is removed and returned with evicted=true.
func (o *ordered[V]) put(k string, v V) (oldKey string, old V, evicted bool) {
	if e, ok := o.m[k]; ok {
		e.Value.(*kv[V]).v = v
		return "", old, false
	}
	o.m[k] = o.l.PushBack(&kv[V]{k, v})
	if o.max > 0 && o.l.Len() > o.max {
		front := o.l.Front()
		x := front.Value.(*kv[V])
		o.l.Remove(front)
		delete(o.m, x.k)
		return x.k, x.v, true
	}
	return "", old, false
}

func (o *ordered[V]) del(k string) {
	if e, ok := o.m[k]; ok {
		o.l.Remove(e)
		delete(o.m, k)
	}
}

func (o *ordered[V]) len() int { return o.l.Len() }

// each calls f for every entry, oldest first; f may delete the entry it is given.
func (o *ordered[V]) each(f func(k string, v V)) {
	for e := o.l.Front(); e != nil; {
		next := e.Next()
		x := e.Value.(*kv[V])
		f(x.k, x.v)
		e = next
	}
}
