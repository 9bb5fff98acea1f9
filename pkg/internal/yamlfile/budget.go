package yamlfile

import (
	"github.com/goccy/go-yaml/ast"
)

// Limits bound what a small file may cost to read. A YAML alias repeats the
// anchored node wherever it appears, so nine lines of nested aliases
// ("billion laughs") stand for 10⁹ values; and goccy's parser spends memory
// quadratic in the depth of flow nesting ([[[[…). Both are refused before
// anything is built from the file.
const (
	// MaxDepth is the deepest nesting of mappings and lists accepted.
	MaxDepth = 100
	// MaxAliasNodes is how many nodes aliases may add to a document once
	// expanded: plenty for reusing a claims block across many users, far
	// below what would take noticeable memory.
	MaxAliasNodes = 100_000
)

// checkFlowDepth scans src for flow collections ([ … ], { … }) nested deeper
// than MaxDepth. It runs before the parser, whose cost grows with the square
// of that depth. It skips quoted scalars and comments; a bracket inside a
// plain scalar may count, which only matters for a file holding a hundred
// unclosed brackets.
func checkFlowDepth(src []byte) (line, col int, ok bool) {
	depth := 0
	line, col = 1, 0
	var quote byte
	comment := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		col++
		if c == '\n' {
			line, col, comment = line+1, 0, false
			continue
		}
		switch {
		case comment:
		case quote != 0:
			if c == quote {
				if quote == '\'' && i+1 < len(src) && src[i+1] == '\'' {
					i++
					col++
					continue
				}
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
				col++
			}
		case c == '#' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n'):
			comment = true
		case c == '"' || c == '\'':
			if i == 0 || isSpaceOrFlow(src[i-1]) {
				quote = c
			}
		case c == '[' || c == '{':
			depth++
			if depth > MaxDepth {
				return line, col, false
			}
		case c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, 0, true
}

func isSpaceOrFlow(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '[', '{', ',', ':', '-':
		return true
	}
	return false
}

// budget walks a parsed document once, without following aliases, and
// works out how big it would be with every alias expanded and how deep it
// nests. It reports the first node past a limit.
type budget struct {
	r       *Reader
	anchors map[string]anchorCost
	added   int // nodes added by aliases so far
	failed  bool
}

type anchorCost struct {
	nodes, depth int
}

func (b *budget) fail(n ast.Node, format string, args ...any) {
	if !b.failed {
		b.failed = true
		b.r.ErrAt(n, format, args...)
	}
}

// walk returns the expanded node count and depth of n, found at depth d.
func (b *budget) walk(n ast.Node, d int) (nodes, depth int) {
	if n == nil || b.failed {
		return 0, 0
	}
	if d > MaxDepth {
		b.fail(n, "YAML nested more than %d levels deep; flatten the file", MaxDepth)
		return 0, 0
	}
	sub := func(children ...ast.Node) (int, int) {
		total, deepest := 1, 0
		for _, c := range children {
			cn, cd := b.walk(c, d+1)
			total = addSat(total, cn)
			deepest = max(deepest, cd)
		}
		return total, deepest + 1
	}
	switch v := n.(type) {
	case *ast.DocumentNode:
		return b.walk(v.Body, d)
	case *ast.TagNode:
		return b.walk(v.Value, d)
	case *ast.CommentGroupNode:
		return 0, 0
	case *ast.AnchorNode:
		cn, cd := b.walk(v.Value, d)
		if v.Name != nil && v.Name.GetToken() != nil {
			b.anchors[v.Name.GetToken().Value] = anchorCost{cn, cd}
		}
		return cn, cd
	case *ast.AliasNode:
		name := ""
		if v.Value != nil && v.Value.GetToken() != nil {
			name = v.Value.GetToken().Value
		}
		c := b.anchors[name] // an unknown alias is the parser's or reader's error
		b.added = addSat(b.added, c.nodes)
		if b.added > MaxAliasNodes {
			b.fail(n, "too many alias expansions (limit %d nodes): with *%s the aliases stand for more than %d values; write the values out or use fewer aliases", MaxAliasNodes, name, MaxAliasNodes)
			return 0, 0
		}
		if d+c.depth > MaxDepth {
			b.fail(n, "YAML nested more than %d levels deep once *%s is expanded; flatten the file", MaxDepth, name)
			return 0, 0
		}
		return c.nodes, c.depth
	case *ast.MappingNode:
		ch := make([]ast.Node, 0, len(v.Values))
		for _, mv := range v.Values {
			ch = append(ch, mv)
		}
		return sub(ch...)
	case *ast.MappingValueNode:
		// The pair and its value count as one level, as the decoder sees it.
		kn, _ := b.walk(v.Key, d)
		vn, vd := b.walk(v.Value, d)
		return addSat(kn, vn), vd
	case *ast.MappingKeyNode:
		return b.walk(v.Value, d)
	case *ast.SequenceNode:
		return sub(v.Values...)
	}
	return 1, 0
}

func addSat(a, b int) int {
	if a > 1<<40 || b > 1<<40 {
		return 1 << 41
	}
	return a + b
}
