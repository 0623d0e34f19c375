package bench

import (
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// A benchmark of a training step checks, before its timer starts, that the
// step computes what it claims: the check values (checkValue: the loss, or
// for a forward pass the sum of its squared outputs) of its warm-up steps
// must equal the ones recorded in testdata/golden-values.json to
// goldenRTol relative, or it fails with b.Fatal. The documented commands
// run the benchmarks with -run '^$', so the unit tests that check each
// workload do not run then; this check does, at the benchmark's own sizes.
// TestGoldenValues recomputes the file's values (go test ./bench/ runs it)
// and rewrites them with -update-golden.

// goldenFile is where the recorded values live, relative to this package.
const goldenFile = "testdata/golden-values.json"

// goldenJSON is goldenFile's content, compiled into the test binary so that
// a benchmark binary checks its values from any directory.
//
//go:embed testdata/golden-values.json
var goldenJSON []byte

// goldenSteps is how many steps' values the file records for each
// benchmark: the warm-up steps it runs before its timer. The first is the
// loss of the initial weights; the later ones follow an update, so they
// depend on the backward pass and the optimizer too.
const goldenSteps = 3

// goldenRTol is the relative difference allowed between a benchmark's
// values and the recorded ones. On one machine they are the same bits;
// another kernel sums in another order and moves them a little (the
// purego build: by at most 1.1e-7 relative). It is the tolerance
// peers/torch_bench.py allows PyTorch (which agrees to 2e-7).
const goldenRTol = 1e-5

var updateGolden = flag.Bool("update-golden", false, "TestGoldenValues rewrites "+goldenFile+" with this machine's values")

// goldenRuns returns, for every benchmark that checks its values, the name
// it checks them under (its name without "Benchmark" and without the last
// part, plain, fresh or arena: the modes give the same values) and a
// function that runs goldenSteps steps of its workload from the start and
// returns their check values.
func goldenRuns() map[string]func() []float64 {
	runs := map[string]func() []float64{}
	for _, nw := range benchWorkloads() {
		runs[nw.bench] = func() []float64 { return newRunner(nw.mk(), false).values(goldenSteps) }
	}
	for _, batch := range []int{64, 256} {
		runs["MLPStep/"+batchName(batch)] = func() []float64 { return mlpStepValues(newMLPTrainer(batch, false)) }
	}
	runs["MLPForward/"+batchName(64)] = func() []float64 { return mlpForwardValues(newMLPTrainer(64, false)) }
	runs["ArticleStep"] = func() []float64 { return articleValues(newArticle(1)) }
	return runs
}

// mlpStepValues runs goldenSteps training steps of m and returns their
// losses.
func mlpStepValues(m *mlpTrainer) []float64 {
	vs := make([]float64, goldenSteps)
	for i := range vs {
		vs[i] = float64(m.step())
	}
	return vs
}

// mlpForwardValues runs goldenSteps forward passes of m and returns the
// sum of the squared logits of each.
func mlpForwardValues(m *mlpTrainer) []float64 {
	vs := make([]float64, goldenSteps)
	for i := range vs {
		vs[i] = checkValue(m.net.Forward(m.input()))
	}
	return vs
}

// articleValues runs goldenSteps steps of a and returns their E.
func articleValues(a *article) []float64 {
	vs := make([]float64, goldenSteps)
	for i := range vs {
		vs[i] = a.step()
	}
	return vs
}

// goldenValues returns the recorded values, by benchmark name.
func goldenValues() (map[string][]float64, error) {
	var g map[string][]float64
	if err := json.Unmarshal(goldenJSON, &g); err != nil {
		return nil, fmt.Errorf("bench: reading %s: %w", goldenFile, err)
	}
	return g, nil
}

// goldenMismatch describes how got differs from the values recorded for
// name, or returns "" if every value is finite and within goldenRTol.
func goldenMismatch(name string, got []float64) string {
	for i, v := range got {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprintf("%s: step %d computed %v", name, i+1, v)
		}
	}
	g, err := goldenValues()
	if err != nil {
		return err.Error()
	}
	want, ok := g[name]
	if !ok {
		return fmt.Sprintf("%s: no values recorded in %s", name, goldenFile)
	}
	if len(want) != len(got) {
		return fmt.Sprintf("%s: %d values, %s records %d", name, len(got), goldenFile, len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= goldenRTol*math.Abs(want[i])) {
			return fmt.Sprintf("%s: step %d computed %v, %s records %v (relative difference %.2g, tolerance %g)",
				name, i+1, got[i], goldenFile, want[i], d/math.Abs(want[i]), goldenRTol)
		}
	}
	return ""
}

// checkGolden fails b unless the values of its warm-up steps are the ones
// recorded for the benchmark name.
func checkGolden(b *testing.B, name string, got []float64) {
	b.Helper()
	if msg := goldenMismatch(name, got); msg != "" {
		b.Fatalf("%s: the benchmarked step does not compute what it should; if the change is meant, "+
			"rerun go test ./bench/ -run '^TestGoldenValues$' -update-golden", msg)
	}
}

// goldenName is the name a benchmark checks its values under: b's name
// without its "Benchmark" prefix.
func goldenName(b *testing.B) string { return strings.TrimPrefix(b.Name(), "Benchmark") }

// TestGoldenValues recomputes the values every benchmark checks before it
// starts its timer, at the benchmarks' sizes, and compares them with
// testdata/golden-values.json; with -update-golden it rewrites the file.
func TestGoldenValues(t *testing.T) {
	runs := goldenRuns()
	got := make(map[string][]float64, len(runs))
	for name, run := range runs {
		got[name] = run()
	}
	if *updateGolden {
		data, err := json.MarshalIndent(got, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d benchmarks)", goldenFile, len(got))
		return
	}
	g, err := goldenValues()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if msg := goldenMismatch(name, got[name]); msg != "" {
			t.Error(msg)
		}
	}
	for name := range g {
		if _, ok := got[name]; !ok {
			t.Errorf("%s records %s, which no benchmark checks", goldenFile, name)
		}
	}
}

// TestGoldenValuesCatchAWrongStep checks that the check has teeth: a loss
// off by a part in 1e4 and a NaN are both reported.
func TestGoldenValuesCatchAWrongStep(t *testing.T) {
	g, err := goldenValues()
	if err != nil {
		t.Fatal(err)
	}
	want, ok := g["ArticleStep"]
	if !ok || len(want) != goldenSteps {
		t.Fatalf("%s: ArticleStep records %v, want %d values", goldenFile, want, goldenSteps)
	}
	if msg := goldenMismatch("ArticleStep", want); msg != "" {
		t.Errorf("the recorded values themselves: %s", msg)
	}
	for _, bad := range [][]float64{
		{want[0], want[1] * (1 + 1e-4), want[2]},
		{want[0], want[1], math.NaN()},
		want[:2],
	} {
		if goldenMismatch("ArticleStep", bad) == "" {
			t.Errorf("values %v passed as ArticleStep's", bad)
		}
	}
	if goldenMismatch("NoSuchBenchmark", want) == "" {
		t.Error("a benchmark with no recorded values passed")
	}
}
