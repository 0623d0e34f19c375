package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// vocab is the number of tokens: the 256 byte values.
const vocab = 256

// corpus is the text a run trains and validates on.
type corpus struct {
	source     string // what the text is, for the first line of output
	train, val []byte // the first nine tenths and the last tenth
}

// loadCorpus reads the text cfg names (the Go source by default), at most
// cfg.maxBytes of it, and splits it: the last tenth is the validation text.
// It returns an error when either part is shorter than one window of
// cfg.context+1 bytes.
func loadCorpus(cfg config) (corpus, error) {
	var c corpus
	var text []byte
	if cfg.text != "" {
		var err error
		if text, err = readPrefix(cfg.text, cfg.maxBytes); err != nil {
			return c, err
		}
		c.source = cfg.text
	} else {
		root, err := goRoot()
		if err != nil {
			return c, err
		}
		var files int
		if text, files, err = readGoSource(filepath.Join(root, "src"), cfg.maxBytes); err != nil {
			return c, err
		}
		c.source = fmt.Sprintf("the Go standard library's source (%s, BSD license), %d files", filepath.Join(root, "src"), files)
	}
	nVal := len(text) / 10
	c.train, c.val = text[:len(text)-nVal], text[len(text)-nVal:]
	if need := cfg.context + 1; len(c.val) < need {
		return c, fmt.Errorf("text: %d bytes is too short: its validation tenth must hold a window of -context+1 = %d bytes, so at least %d bytes",
			len(text), need, 10*need)
	}
	return c, nil
}

// readPrefix returns the first limit bytes of the named file (all of it when
// it is shorter).
func readPrefix(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("text: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("text: %s: %w", path, err)
	}
	return b, nil
}

// goRoot returns the root of the Go installation, as `go env GOROOT` says.
func goRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("text: finding the Go source with `go env GOROOT`: %w (give a text file with -text)", err)
	}
	root := strings.TrimSpace(string(out))
	if root == "" {
		return "", errors.New("text: `go env GOROOT` printed nothing (give a text file with -text)")
	}
	return root, nil
}

// readGoSource returns up to limit bytes of the .go files under src, each
// followed by a blank line, in sourceOrder, and the number of files it read
// from (the last one possibly cut short).
func readGoSource(src string, limit int) ([]byte, int, error) {
	files, err := goFiles(src)
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("text: no .go files under %s", src)
	}
	var buf bytes.Buffer
	n := 0
	for _, f := range sourceOrder(files) {
		if buf.Len() >= limit {
			break
		}
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return nil, 0, fmt.Errorf("text: %w", err)
		}
		buf.Write(b)
		buf.WriteString("\n")
		n++
	}
	return buf.Bytes()[:min(buf.Len(), limit)], n, nil
}

// goFiles returns the paths, relative to src, of the .go files under it,
// leaving out the testdata directories (inputs to tests, often not Go, or
// not valid Go) and the vendor directories (code from other repositories).
func goFiles(src string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor") {
			return fs.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".go") {
			rel, err := filepath.Rel(src, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("text: %w", err)
	}
	return files, nil
}

// sourceOrder returns the paths sorted by their FNV-1a hash (then by name):
// a fixed order that does not depend on the file system, and that mixes the
// packages, so that a few megabytes, and the validation tenth at their
// end, sample the whole library rather than its first directories.
func sourceOrder(paths []string) []string {
	hash := func(s string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(s))
		return h.Sum64()
	}
	out := slices.Clone(paths)
	slices.SortFunc(out, func(a, b string) int {
		if ha, hb := hash(a), hash(b); ha != hb {
			if ha < hb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// unigram is the baseline a language model must beat: predicting every
// byte with the byte frequencies of the training text.
type unigram struct {
	entropy float64 // of the training text's byte distribution, nats
	valLoss float64 // cross-entropy of the validation text under it, nats per byte
}

// newUnigram measures the unigram baseline. The frequencies are add-one
// smoothed over the 256 bytes, so that a byte the training text lacks costs
// a finite amount in the validation text; the entropy is that of the plain
// frequencies.
func newUnigram(train, val []byte) unigram {
	var counts [vocab]float64
	for _, b := range train {
		counts[b]++
	}
	n := float64(len(train))
	var u unigram
	for _, c := range counts {
		if c > 0 {
			u.entropy -= c / n * math.Log(c/n)
		}
	}
	for _, b := range val {
		u.valLoss -= math.Log((counts[b] + 1) / (n + vocab))
	}
	u.valLoss /= float64(len(val))
	return u
}

// batchOf fills ids ([len(starts), context] byte values as whole numbers)
// and targets (the byte after each of them, row by row) with the windows
// of text starting at starts, and returns them. A window needs context+1
// bytes of text.
func batchOf(text []byte, starts []int, context int, ids []float32, targets []int) ([]float32, []int) {
	ids, targets = ids[:0], targets[:0]
	for _, s := range starts {
		for _, b := range text[s : s+context] {
			ids = append(ids, float32(b))
		}
		for _, b := range text[s+1 : s+context+1] {
			targets = append(targets, int(b))
		}
	}
	return ids, targets
}

// randomStarts fills starts with uniformly random window starts in text
// (each window of context+1 bytes fits), drawn from rng.
func randomStarts(starts []int, textLen, context int, rng *rand.Rand) {
	for i := range starts {
		starts[i] = rng.IntN(textLen - context)
	}
}

// evalStarts returns the starts of at most n windows of context+1 bytes
// spread evenly over a text of textLen bytes, without overlap when the
// text is long enough: the fixed validation set of a run.
func evalStarts(textLen, context, n int) []int {
	last := textLen - context - 1 // the last possible start
	n = max(1, min(n, last/context+1))
	starts := make([]int, n)
	for i := range starts {
		if n > 1 {
			starts[i] = i * last / (n - 1)
		}
	}
	return starts
}
