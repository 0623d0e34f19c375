package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestReadGoSource checks the default text's reader on a made-up source
// tree: only .go files, none under testdata or vendor, in sourceOrder,
// each followed by a newline, cut at the byte budget.
func TestReadGoSource(t *testing.T) {
	src := t.TempDir()
	files := map[string]string{
		"a/a.go":             "package a\n",
		"a/a_test.go":        "package a_test\n",
		"b/c/c.go":           "package c\n",
		"b/notes.txt":        "not Go\n",
		"b/testdata/x.go":    "package broken(\n",
		"vendor/v/v.go":      "package v\n",
		"cmd/vendor/w/w.go":  "package w\n",
		"d.go":               "package d\n",
		"e/go.mod":           "module e\n",
		"e/testdata.go.orig": "not Go either\n",
	}
	for name, body := range files {
		path := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := goFiles(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/a.go", "a/a_test.go", "b/c/c.go", "d.go"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("goFiles (-want +got):\n%s", diff)
	}

	var all bytes.Buffer
	for _, f := range sourceOrder(want) {
		all.WriteString(files[f] + "\n")
	}
	for _, limit := range []int{1, 12, all.Len() - 1, all.Len(), all.Len() + 100} {
		text, n, err := readGoSource(src, limit)
		if err != nil {
			t.Fatal(err)
		}
		if wantText := all.Bytes()[:min(limit, all.Len())]; !bytes.Equal(text, wantText) {
			t.Errorf("limit %d: read %q, want %q", limit, text, wantText)
		}
		// The files read: whole ones, plus the one cut short.
		wantN, sum := 0, 0
		for _, f := range sourceOrder(want) {
			if sum >= limit {
				break
			}
			sum += len(files[f]) + 1
			wantN++
		}
		if n != wantN {
			t.Errorf("limit %d: %d files, want %d", limit, n, wantN)
		}
	}
	if _, _, err := readGoSource(filepath.Join(src, "b", "testdata", "none"), 10); err == nil {
		t.Error("readGoSource of a missing directory: no error")
	}
	empty := t.TempDir()
	if _, _, err := readGoSource(empty, 10); err == nil || !strings.Contains(err.Error(), "no .go files") {
		t.Errorf("readGoSource of a directory without Go files: %v", err)
	}
}

// TestSourceOrder checks that the order is a permutation that depends only
// on the set of paths, not on their order, and that it mixes directories.
func TestSourceOrder(t *testing.T) {
	var paths []string
	for _, d := range []string{"archive/tar", "bufio", "bytes", "cmd/compile", "crypto/aes", "net/http"} {
		for _, f := range []string{"a.go", "b.go", "c.go", "d.go"} {
			paths = append(paths, d+"/"+f)
		}
	}
	got := sourceOrder(paths)
	rev := slices.Clone(paths)
	slices.Reverse(rev)
	if diff := cmp.Diff(got, sourceOrder(rev)); diff != "" {
		t.Errorf("order depends on the input order (-first +reversed):\n%s", diff)
	}
	if diff := cmp.Diff(paths, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("not a permutation (-want +got):\n%s", diff)
	}
	if dir := filepath.Dir(got[0]); dir == filepath.Dir(got[1]) && dir == filepath.Dir(got[2]) && dir == filepath.Dir(got[3]) {
		t.Errorf("the first four files all come from %s: %q", dir, got[:4])
	}
}

// TestGoSourceText reads a little of the real default text, when the go
// command is there: at most the budget, Go code, the same bytes twice.
func TestGoSourceText(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	cfg := config{maxBytes: 50000, context: 64}
	c, err := loadCorpus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.train) + len(c.val); n != cfg.maxBytes || len(c.val) != cfg.maxBytes/10 {
		t.Errorf("%d bytes, %d of them validation; want %d and %d", n, len(c.val), cfg.maxBytes, cfg.maxBytes/10)
	}
	if !bytes.Contains(c.train, []byte("\nfunc ")) || !bytes.Contains(c.train, []byte("package ")) {
		t.Errorf("the text does not look like Go: %.200q", c.train)
	}
	if !strings.Contains(c.source, "BSD license") {
		t.Errorf("source %q does not name the license", c.source)
	}
	again, err := loadCorpus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.train, again.train) || !bytes.Equal(c.val, again.val) {
		t.Error("two reads of the Go source differ")
	}
}

// TestLoadCorpusSplit checks the split of a -text file: the last tenth
// (rounded down) is validation, -maxbytes cuts the file.
func TestLoadCorpusSplit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.txt")
	text := []byte(strings.Repeat("0123456789", 10) + "xyz") // 103 bytes
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		max        int
		train, val string
	}{
		{1000, string(text[:93]), string(text[93:])},
		{103, string(text[:93]), string(text[93:])},
		{50, string(text[:45]), string(text[45:50])},
	} {
		c, err := loadCorpus(config{text: path, maxBytes: tt.max, context: 2})
		if err != nil {
			t.Fatal(err)
		}
		if string(c.train) != tt.train || string(c.val) != tt.val {
			t.Errorf("max %d: train %q val %q, want %q and %q", tt.max, c.train, c.val, tt.train, tt.val)
		}
	}
	if _, err := loadCorpus(config{text: path, maxBytes: 1000, context: 10}); err == nil {
		t.Error("context 10 with a validation tenth of 10 bytes: no error")
	}
	if _, err := loadCorpus(config{text: path, maxBytes: 1000, context: 9}); err != nil {
		t.Errorf("context 9 with a validation tenth of 10 bytes: %v", err)
	}
}

// TestUnigram checks the baseline against values worked out by hand.
func TestUnigram(t *testing.T) {
	// Training text "aab": p(a) = 2/3, p(b) = 1/3. Smoothed over 256
	// bytes: q(a) = 3/259, q(b) = 2/259, q(c) = 1/259.
	u := newUnigram([]byte("aab"), []byte("abc"))
	want := unigram{
		entropy: -(2.0/3*math.Log(2.0/3) + 1.0/3*math.Log(1.0/3)),
		valLoss: -(math.Log(3.0/259) + math.Log(2.0/259) + math.Log(1.0/259)) / 3,
	}
	if diff := cmp.Diff(want, u, cmp.AllowUnexported(unigram{}), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("newUnigram (-want +got):\n%s", diff)
	}
	if u := newUnigram([]byte("zzzz"), []byte("z")); u.entropy != 0 {
		t.Errorf("entropy of one repeated byte: %g, want 0", u.entropy)
	}
}

// TestBatchOf checks that the targets are the inputs shifted by one byte.
func TestBatchOf(t *testing.T) {
	text := []byte("abcdefgh")
	ids, targets := batchOf(text, []int{0, 4}, 3, nil, nil)
	wantIDs := []float32{'a', 'b', 'c', 'e', 'f', 'g'}
	wantTargets := []int{'b', 'c', 'd', 'f', 'g', 'h'}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantTargets, targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	// The buffers are reused.
	ids2, _ := batchOf(text, []int{1}, 3, ids, targets)
	if &ids2[0] != &ids[0] || len(ids2) != 3 {
		t.Errorf("ids not reused: len %d", len(ids2))
	}

	starts := make([]int, 1000)
	randomStarts(starts, len(text), 3, rand.New(rand.NewPCG(1, 2)))
	seen := map[int]bool{}
	for _, s := range starts {
		if s < 0 || s+3+1 > len(text) {
			t.Fatalf("start %d: the window does not fit", s)
		}
		seen[s] = true
	}
	if len(seen) != len(text)-3 {
		t.Errorf("%d distinct starts, want all %d", len(seen), len(text)-3)
	}
}

// TestEvalStarts checks the validation windows: within the text, spread
// to both ends, without overlap, and as many as asked when they fit.
func TestEvalStarts(t *testing.T) {
	tests := []struct {
		textLen, context, n int
		want                []int
	}{
		{100, 9, 3, []int{0, 45, 90}},
		{100, 9, 100, []int{0, 9, 18, 27, 36, 45, 54, 63, 72, 81, 90}},
		{10, 9, 5, []int{0}},
		{11, 9, 5, []int{0}},
		{19, 9, 5, []int{0, 9}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, evalStarts(tt.textLen, tt.context, tt.n)); diff != "" {
			t.Errorf("evalStarts(%d, %d, %d) (-want +got):\n%s", tt.textLen, tt.context, tt.n, diff)
		}
	}
}
