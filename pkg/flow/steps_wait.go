package flow

import (
	"context"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// waitStep lets time pass (tokens expire, sessions idle): `wait: 2s` or
// `wait: {duration: 2s}`.
type waitStep struct {
	Duration time.Duration
}

func (s *waitStep) parse(p *fileParser, kp pair, f *File) {
	v := p.Resolve(kp.Value)
	if _, isMap := v.(*ast.MappingNode); isMap {
		fields, _ := p.Mapping(v, "wait")
		for _, fl := range fields {
			if fl.Key == "duration" {
				s.Duration = p.Duration(fl.Value, "wait duration")
			} else {
				p.UnknownKey(fl, "wait", "duration")
			}
		}
	} else {
		s.Duration = p.Duration(v, "wait")
	}
	if s.Duration > time.Hour {
		p.ErrAt(kp.Value, "wait is longer than an hour: a flow is a test, not a schedule")
	}
}

func (s *waitStep) label() string  { return "wait " + s.Duration.String() }
func (s *waitStep) yields() string { return "success" }

func (s *waitStep) run(ctx context.Context, fr *flowRun) outcome {
	t := time.NewTimer(s.Duration)
	defer t.Stop()
	select {
	case <-t.C:
		return outcome{}
	case <-ctx.Done():
		return outcome{err: ctx.Err()}
	}
}
