package autograd_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// TestDocOpListsMatchTheOps checks the two lists of operations a reader
// sees, the README's table and the package documentation, against the ops
// the package exports (found in its source, as the coverage tests do, and
// declared in its op tables): a new op must be listed, and a listed name
// must exist.
func TestDocOpListsMatchTheOps(t *testing.T) {
	want := exportedOps(t, ".")
	for name := range exportedSliceOps(t, ".") {
		want[name] = true
	}
	for _, op := range autograd.Ops() {
		want[op.Name] = true
	}
	for _, aux := range []string{"SumKeepDims", "MeanKeepDims", "MaxKeepDims", "MinKeepDims", "LogSumExpKeepDims"} {
		delete(want, aux) // listed as "KeepDims forms" of their reduction
	}

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The README's op table: the rows after "| family | ops |", names in backticks.
	text := string(readme)
	start := strings.Index(text, "| family | ops |")
	if start < 0 {
		t.Fatal("README.md has no \"| family | ops |\" table")
	}
	table := text[start:]
	if end := strings.Index(table, "\n\n"); end >= 0 {
		table = table[:end]
	}
	checkList(t, "README.md's op table", regexp.MustCompile("`([A-Z][A-Za-z0-9]*)`").FindAllStringSubmatch(table, -1), want)

	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	text = string(doc)
	start = strings.Index(text, "// # Operations")
	end := strings.Index(text[start:], "// Where a derivative has a kink")
	if start < 0 || end < 0 {
		t.Fatal("doc.go has no \"# Operations\" section ending before \"Where a derivative has a kink\"")
	}
	section := regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(text[start:start+end], "") // drop parenthetical remarks
	section = strings.SplitN(section, "\n", 2)[1]
	checkList(t, "doc.go's # Operations", regexp.MustCompile(`\b([A-Z][A-Za-z0-9]*)\b`).FindAllStringSubmatch(section, -1), want)
}

// checkList compares the names matched in a document with want; the
// capitalized words of docWord (family names such as "Arithmetic") are not
// names.
func checkList(t *testing.T, where string, matches [][]string, want map[string]bool) {
	t.Helper()
	got := map[string]bool{}
	for _, m := range matches {
		got[m[1]] = true
	}
	for name := range want {
		if !got[name] {
			t.Errorf("%s does not list %s", where, name)
		}
	}
	for name := range got {
		if !want[name] && !docWord[name] {
			t.Errorf("%s lists %s, which is not an exported op of the package", where, name)
		}
	}
}

// docWord are the capitalized words of the op lists that are not op names.
var docWord = map[string]bool{
	"Arithmetic": true, "Elementwise": true, "Activations": true, "Reductions": true, "Linear": true,
	"Shape": true, "Convolution": true, "Losses": true, "KeepDims": true, "Indexing": true, "Comparisons": true, "Selection": true, "Mask": true,
	"NCHW": true, "Recurrent": true,
}
