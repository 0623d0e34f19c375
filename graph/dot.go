package graph

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Node describes how one node is drawn in DOT. It is returned by the describe
// callback of WriteDOT, which keeps this package free of any knowledge about
// what the nodes actually are.
type Node struct {
	// Label is the text shown in the node. Any string is allowed; it is
	// quoted and escaped on output.
	Label string
	// Attrs holds extra Graphviz attributes (shape, style, color, ...),
	// written in sorted key order so output is deterministic. A "label" key
	// is ignored because Label is authoritative.
	Attrs map[string]string
}

// WriteDOT writes the graph reachable from roots as a Graphviz digraph named
// name to w, for inspecting computation graphs (e.g. "dot -Tsvg").
//
// Nodes are numbered n0, n1, ... in topological order (via TopoSort), so
// inputs get smaller numbers than their consumers. Edges go from an input to
// the node that consumes it (data flow direction); an input used twice by the
// same node (x*x) gets two edges. All node statements are written first, then
// all edges, grouped by consumer in node order and by input order within a
// consumer. The layout direction is Graphviz's default (top to bottom).
//
// describe gives each node's label and attributes; if describe is nil the
// label is fmt.Sprint(node). The graph name, labels and attribute values are
// quoted and escaped (", \, newlines; NUL, U+FFFE, U+FFFF and invalid
// UTF-8 become U+FFFD; the other control characters but tab become their
// visible Control Pictures, U+2401 to U+241F; & becomes &amp;, so that
// Graphviz shows an entity reference such as &#1; as written) so any
// string is safe, in DOT and in the XML of an SVG rendering; attribute
// keys are quoted only when they are not plain identifiers. inputs is
// called once per reachable node. Like TopoSort, WriteDOT panics on a
// cycle.
//
// It returns the first write error, wrapped with context.
func WriteDOT[N comparable](w io.Writer, name string, roots []N, inputs func(N) []N, describe func(N) Node) error {
	// Remember each node's inputs so inputs is called only once per node.
	ins := make(map[N][]N)
	order := TopoSort(roots, func(n N) []N {
		in := inputs(n)
		ins[n] = in
		return in
	})
	id := make(map[N]int, len(order))
	for i, n := range order {
		id[n] = i
	}

	// bufio.Writer keeps the first error and fails every later write with it,
	// so checking the result of each statement's last write is enough to stop
	// early and report the first failure.
	bw := bufio.NewWriter(w)
	fail := func(err error) error { return fmt.Errorf("graph: WriteDOT %q: %w", name, err) }

	fmt.Fprintf(bw, "digraph %s {\n", quote(name))
	var keys []string
	for i, n := range order {
		var d Node
		if describe != nil {
			d = describe(n)
		} else {
			d.Label = fmt.Sprint(n)
		}
		fmt.Fprintf(bw, "\tn%d [label=%s", i, quote(d.Label))
		keys = keys[:0]
		for k := range d.Attrs {
			if k != "label" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(bw, ", %s=%s", attrKey(k), quote(d.Attrs[k]))
		}
		if _, err := bw.WriteString("];\n"); err != nil {
			return fail(err)
		}
	}
	for i, n := range order {
		for _, in := range ins[n] {
			if _, err := fmt.Fprintf(bw, "\tn%d -> n%d;\n", id[in], i); err != nil {
				return fail(err)
			}
		}
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	return nil
}

// quote returns s as a DOT double-quoted string. Backslashes and quotes are
// escaped, and line breaks (\n, \r\n, \r) become the DOT escape \n, so the
// text is shown literally rather than interpreted as DOT escapes. A NUL
// byte, which ends a string in Graphviz's scanner (a syntax error), and
// each run of bytes that are not UTF-8 (Graphviz's charset; this includes
// encoded surrogates, U+D800 to U+DFFF) become U+FFFD. So do the
// noncharacters U+FFFE and U+FFFF, which Graphviz passes through into SVG
// where XML 1.0 forbids them. The other C0 control characters but tab
// (U+0001 to U+001F), also forbidden there, become their Control Pictures
// (U+2401 to U+241F: ␁, ␛ for ESC), visible in the drawing. What is left
// is a character XML 1.0 allows (its Char production). Last, & becomes
// &amp;: Graphviz reads character and entity references in strings and
// passes &#1; or &#xFFFF; into SVG, as the character or as the reference,
// both of which XML forbids (and an unknown &foo; as itself, which XML
// rejects). Graphviz shows &amp; as & and writes it to SVG escaped, so a
// reference is shown as written.
func quote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case '\n':
			b.WriteString(`\n`)
		case '&':
			b.WriteString("&amp;")
		case 0:
			b.WriteString("\uFFFD")
		case 0xEF: // the first byte of U+F000 to U+FFFF (s is valid UTF-8)
			if s[i+1] == 0xBF && s[i+2] >= 0xBE { // U+FFFE, U+FFFF
				b.WriteString("\uFFFD")
				i += 2
			} else {
				b.WriteByte(c)
			}
		default:
			if c < 0x20 && c != '\t' {
				b.WriteRune(0x2400 + rune(c)) // its Control Picture
				continue
			}
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// attrKey returns k unchanged if it is a plain DOT identifier
// ([A-Za-z_][A-Za-z0-9_]*, not a DOT keyword), and quoted otherwise.
func attrKey(k string) string {
	switch strings.ToLower(k) {
	case "", "node", "edge", "graph", "digraph", "subgraph", "strict":
		return quote(k)
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		letter := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		digit := '0' <= c && c <= '9'
		if !letter && (i == 0 || !digit) {
			return quote(k)
		}
	}
	return k
}
