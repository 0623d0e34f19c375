package autograd_test

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/adjoint-go/adjoint/autograd"
)

// The two lists of operations a reader sees, the README's op table and the
// package documentation's "# Operations", are generated from the op table
// (autograd.Ops): every op in its group (OpInfo.DocGroup, or its family's),
// in table order, with its remark (OpInfo.DocNote). TestDocOpLists fails
// when a list differs from what the table says, and rewrites both with
//
//	go test ./autograd -run TestDocOpLists -update

// docGroup is a group of the op lists: its key (an OpInfo.DocGroup, or
// the group of a family's ops) and its headings in the README and in the
// package documentation.
type docGroup struct {
	key, readme, doc string
}

// docGroups are the groups, in the order the lists give them.
var docGroups = []docGroup{
	{autograd.DocArithmetic, "arithmetic (broadcasting)", "Arithmetic (broadcasting)"},
	{autograd.DocSelection, "selection (broadcasting mask)", "Selection with a mask (the mask broadcasts too)"},
	{string(autograd.FamilyCompare), "comparisons and tests (return a `*tensor.Mask`, no gradient)",
		"Comparisons and tests, returning a *tensor.Mask (no gradient; from the inputs' Arena)"},
	{autograd.DocMasks, "logical operations on masks (package tensor)", "Logical operations on masks, in package tensor"},
	{string(autograd.FamilyPointwise), "elementwise", "Elementwise functions"},
	{autograd.DocRounding, "rounding (zero gradient, as in PyTorch)", "Elementwise rounding, with a zero gradient as in torch"},
	{autograd.DocActivations, "activations and normalization", "Activations and normalization"},
	{autograd.DocReductions, "reductions (all or some axes, `…KeepDims` forms keep them)",
		"Reductions (over all axes or the given ones; the KeepDims forms keep them)"},
	{string(autograd.FamilyCumulative), "scans, sorting and reordering along an axis", "Scans, sorting and reordering along an axis"},
	{string(autograd.FamilyLinalg), "linear algebra", "Linear algebra"},
	{autograd.DocAttention, "attention", "Attention"},
	{string(autograd.FamilyRecurrent), "recurrent cell steps (one fused op per time step; PyTorch's gate order; the caller adds the matrix products)",
		"Recurrent cell steps, one fused op per time step (PyTorch's gate order; the caller adds the matrix products)"},
	{string(autograd.FamilyShape), "shape", "Shape"},
	{string(autograd.FamilyIndex), "indexing (`*tensor.Index` indices)", "Indexing (indices are *tensor.Index, masks *tensor.Mask)"},
	{string(autograd.FamilyConv), "convolution", "Convolution"},
	{autograd.DocPooling, "pooling, resampling and padding", "Pooling, resampling and padding"},
	{string(autograd.FamilyLoss), "losses (mean, sum or none)", "Losses (mean, sum or per-element)"},
	{autograd.DocSimilarity, "similarity", "Similarity"},
}

// docFamilyGroup is the group of a family's ops that declare none: the
// family's own, but for the binary ops (arithmetic) and the reductions.
func docFamilyGroup(f autograd.Family) string {
	switch f {
	case autograd.FamilyBinary:
		return autograd.DocArithmetic
	case autograd.FamilyReduce:
		return autograd.DocReductions
	}
	return string(f)
}

// docListed returns the ops of each group, in table order.
func docListed(t *testing.T) map[string][]autograd.OpInfo {
	t.Helper()
	known := make(map[string]bool)
	for _, g := range docGroups {
		known[g.key] = true
	}
	listed := make(map[string][]autograd.OpInfo)
	for _, op := range autograd.Ops() {
		key := op.DocGroup
		if key == "" {
			key = docFamilyGroup(op.Family)
		}
		if !known[key] {
			t.Fatalf("%s: the docs' op lists have no group %q", op.Name, key)
		}
		listed[key] = append(listed[key], op)
	}
	return listed
}

// readmeOpTable returns the README's op table.
func readmeOpTable(listed map[string][]autograd.OpInfo) string {
	var b strings.Builder
	b.WriteString("| group | ops |\n| --- | --- |\n")
	for _, g := range docGroups {
		ops := listed[g.key]
		if len(ops) == 0 {
			continue
		}
		items := make([]string, len(ops))
		for i, op := range ops {
			items[i] = "`" + op.Name + "`"
			if op.DocNote != "" {
				items[i] += " (" + op.DocNote + ")"
			}
		}
		fmt.Fprintf(&b, "| %s | %s |\n", g.readme, strings.Join(items, ", "))
	}
	return b.String()
}

// docOpList returns the list of doc.go's "# Operations", as comment lines
// wrapped before column 80.
func docOpList(listed map[string][]autograd.OpInfo) string {
	var b strings.Builder
	for _, g := range docGroups {
		ops := listed[g.key]
		if len(ops) == 0 {
			continue
		}
		items := make([]string, len(ops))
		for i, op := range ops {
			items[i] = op.Name
			if op.DocNote != "" {
				items[i] += " (" + strings.ReplaceAll(op.DocNote, "`", "") + ")"
			}
		}
		// Greedily, but a line never starts with a word that reads as a
		// list marker ("+ b" would start an item): that word takes the
		// word before it along.
		words := strings.Fields(g.doc + ": " + strings.Join(items, ", ") + ".")
		prefix, line := "//   -", []string(nil)
		width := func(ws []string) int { return utf8.RuneCountInString(prefix + " " + strings.Join(ws, " ")) }
		for _, w := range words {
			if len(line) > 0 && width(append(line, w)) > 79 {
				carry := 0
				if docListMarker(w) && len(line) > 1 {
					carry = 1
				}
				b.WriteString(prefix + " " + strings.Join(line[:len(line)-carry], " ") + "\n")
				prefix, line = "//    ", slices.Clone(line[len(line)-carry:])
			}
			line = append(line, w)
		}
		b.WriteString(prefix + " " + strings.Join(line, " ") + "\n")
	}
	return b.String()
}

// docListMarker reports whether a word at the start of a doc comment line
// would make it a list item.
func docListMarker(w string) bool {
	if w == "+" || w == "-" || w == "*" {
		return true
	}
	n := len(w) - 1 // "1." and "2)" start numbered items
	return n > 0 && (w[n] == '.' || w[n] == ')') && strings.Trim(w[:n], "0123456789") == ""
}

// The marked regions the lists are generated into.
const (
	readmeBegin = "<!-- The op table is generated from autograd.Ops(): go test ./autograd -run TestDocOpLists -update -->\n"
	readmeEnd   = "<!-- end of the generated op table -->\n"
	docBegin    = "// # Operations\n//\n"
	docEnd      = "//\n// Where a derivative has a kink"
)

// TestDocOpLists fails when the README's op table or doc.go's list of
// operations is not what the op table generates, and rewrites them with
// -update. Every exported op is in the op table (see
// TestRandomGraphOpsCoverOpTable), so both list every op.
func TestDocOpLists(t *testing.T) {
	listed := docListed(t)
	for _, f := range []struct {
		file, begin, end, want string
	}{
		{"../README.md", readmeBegin, readmeEnd, readmeOpTable(listed)},
		{"doc.go", docBegin, docEnd, docOpList(listed)},
	} {
		text, err := os.ReadFile(f.file)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(text, []byte(f.begin))
		j := bytes.Index(text, []byte(f.end))
		if i < 0 || j < i {
			t.Fatalf("%s has no region between %q and %q", f.file, f.begin, f.end)
		}
		i += len(f.begin)
		got := string(text[i:j])
		if f.file == "doc.go" {
			// What -update writes must be what gofmt keeps (a continuation
			// line that gofmt reads as a list item would not be).
			gen := append(append(append([]byte(nil), text[:i]...), f.want...), text[j:]...)
			if fmtd, err := format.Source(gen); err != nil || !bytes.Equal(fmtd, gen) {
				t.Errorf("the generated doc.go is not gofmt's (err %v)", err)
			}
		}
		if got == f.want {
			continue
		}
		if *update {
			out := append(append(append([]byte(nil), text[:i]...), f.want...), text[j:]...)
			if err := os.WriteFile(f.file, out, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s's op list is not what the op table says: regenerate it with\n\tgo test ./autograd -run TestDocOpLists -update\ngot:\n%s\nwant:\n%s", f.file, got, f.want)
	}
}
