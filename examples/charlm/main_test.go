package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRunFlags checks that bad flags print a message on stderr and give exit
// status 2 without reading text or training, and that -h gives 0.
func TestRunFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string // substring of stderr
	}{
		{"unknown model", []string{"-model", "rnn"}, 2, `-model must be one of ["gpt" "lstm"], got "rnn"`},
		{"empty model", []string{"-model="}, 2, `-model must be one of ["gpt" "lstm"], got ""`},
		{"zero steps", []string{"-steps", "0"}, 2, "-steps must be positive, got 0"},
		{"negative batch", []string{"-batch=-3"}, 2, "-batch must be positive, got -3"},
		{"steps not a number", []string{"-steps", "ten"}, 2, `invalid value "ten" for flag -steps`},
		{"zero maxbytes", []string{"-maxbytes", "0"}, 2, "-maxbytes must be positive, got 0"},
		{"zero layers", []string{"-layers", "0"}, 2, "-layers must be positive, got 0"},
		{"zero dim", []string{"-dim", "0"}, 2, "-dim must be positive, got 0"},
		{"zero heads", []string{"-heads", "0"}, 2, "-heads must be positive, got 0"},
		{"zero eval", []string{"-eval", "0"}, 2, "-eval must be positive, got 0"},
		{"context 1", []string{"-context", "1"}, 2, "-context must be at least 2, got 1"},
		{"heads not dividing dim", []string{"-dim", "30", "-heads", "4"}, 2, "-heads 4 must divide -dim 30"},
		{"zero lr", []string{"-lr", "0"}, 2, "-lr must be positive and finite, got 0"},
		{"NaN lr", []string{"-lr", "NaN"}, 2, "-lr must be positive and finite, got NaN"},
		{"lr overflowing float32", []string{"-lr", "1e39"}, 2, "-lr must be positive and finite, got 1e+39"},
		{"lr underflowing float32", []string{"-lr", "1e-50"}, 2, "-lr 1e-50 rounds to 0 in float32, the precision of the training: it would not train"},
		{"negative temperature", []string{"-temperature=-1"}, 2, "-temperature must be finite and non-negative, got -1"},
		{"NaN temperature", []string{"-temperature", "NaN"}, 2, "-temperature must be finite and non-negative, got NaN"},
		{"infinite temperature", []string{"-temperature", "Inf"}, 2, "-temperature must be finite and non-negative, got +Inf"},
		{"negative topk", []string{"-topk=-1"}, 2, "-topk must be non-negative, got -1"},
		{"negative length", []string{"-length=-1"}, 2, "-length must be non-negative, got -1"},
		{"negative seed", []string{"-seed", "-1"}, 2, `invalid value "-1" for flag -seed`},
		{"load and save", []string{"-load", "a.safetensors", "-save", "b.safetensors"}, 2, "give one of them"},
		{"progress not a bool", []string{"-progress=maybe"}, 2, `invalid boolean value "maybe" for -progress`},
		{"unknown flag", []string{"-nosuch"}, 2, "flag provided but not defined: -nosuch"},
		{"missing value", []string{"-text"}, 2, "flag needs an argument: -text"},
		{"positional argument", []string{"gpt"}, 2, `unexpected arguments ["gpt"]`},
		{"help", []string{"-h"}, 0, "Usage of charlm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tt.args, code, tt.wantCode, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", &stderr, tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty, the run started:\n%s", &stdout)
			}
		})
	}
}

// TestRunErrors checks that a run that cannot read its text, or could not
// write its -save file or -plots, fails with status 1 and a message, before
// training: a bad output path failed only after the training, and a -save
// directory with a message about renaming a temporary file.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(short, []byte(strings.Repeat("x", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	for _, tt := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"missing text", []string{"-text", filepath.Join(dir, "missing.txt")}, "charlm: text: open "},
		{"text too short", []string{"-text", short, "-context", "32"}, "charlm: text: 100 bytes is too short: its validation tenth must hold a window of -context+1 = 33 bytes, so at least 330 bytes"},
		{"maxbytes too small", []string{"-text", tinyText(t), "-maxbytes", "200", "-context", "32"}, "charlm: text: 200 bytes is too short"},
		{"save in a missing directory", []string{"-save", filepath.Join(missing, "m.st")},
			"charlm: -save " + filepath.Join(missing, "m.st") + ": the directory " + missing + " does not exist\n"},
		{"save to a directory", []string{"-save", dir}, "charlm: -save " + dir + " is a directory: give the name of a file to write\n"},
		{"plots in a file", []string{"-plots", filepath.Join(short, "plots")},
			"charlm: -plots " + filepath.Join(short, "plots") + ": " + short + " is not a directory\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != 1 {
				t.Errorf("run(%q) = %d, want 1", tt.args, code)
			}
			if !strings.HasPrefix(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q does not start with %q", &stderr, tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty, the run started:\n%s", &stdout)
			}
		})
	}
}

// tinyText returns the path of a text file for quick runs: this package's
// own Go source, about 50 KB, a stable text that looks like the default
// one.
func tinyText(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in the package directory: %v", err)
	}
	var b bytes.Buffer
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(src)
	}
	path := filepath.Join(t.TempDir(), "text.go.txt")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// quickArgs is a tiny configuration of model that trains in well under a
// second: 12 steps of 4 windows of 16 bytes, width 16.
func quickArgs(model, text string) []string {
	return []string{"-model", model, "-text", text, "-maxbytes", "20000", "-steps", "12", "-eval", "6",
		"-batch", "4", "-context", "16", "-layers", "2", "-dim", "16", "-heads", "2", "-length", "40", "-seed", "7"}
}

// quickRun is the output of a quick training run with -save and -plots.
type quickRun struct {
	dir              string // holds the model file and the plot
	model, text      string
	out              string
	modelFile, plots string
}

// runQuick trains model in the quick configuration (plus extra flags),
// saving it and its plot into a temporary directory, and checks that the
// run succeeds with nothing on stderr (no progress bar outside a terminal,
// no error).
func runQuick(t *testing.T, model, text string, extra ...string) quickRun {
	t.Helper()
	dir := t.TempDir()
	q := quickRun{dir: dir, model: model, text: text, modelFile: filepath.Join(dir, model+".safetensors"), plots: filepath.Join(dir, "plots")}
	args := append(quickArgs(model, text), append([]string{"-save", q.modelFile, "-plots", q.plots}, extra...)...)
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%q) = %d, want 0; stderr:\n%s", args, code, &stderr)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr not empty:\n%s", &stderr)
	}
	q.out = stdout.String()
	return q
}

// TestRunQuick trains each model in the quick configuration and checks the
// output line by line, the plot, that the same seed reproduces the run
// exactly (losses, samples and the saved weights, bit for bit) and another
// seed does not, and then (checkSaveLoad) the saved file.
func TestRunQuick(t *testing.T) {
	text := tinyText(t)
	for _, model := range modelNames() {
		t.Run(model, func(t *testing.T) {
			q := runQuick(t, model, text)
			for _, re := range []string{
				`(?m)^text: ` + regexp.QuoteMeta(text) + `$`,
				`(?m)^20000 bytes: 18000 to train on, 2000 to validate; vocabulary: the 256 byte values$`,
				`(?m)^unigram baseline: \d\.\d{4} nats/byte on the validation text \(the training text's byte entropy is \d\.\d{4}\)$`,
				`(?m)^model ` + model + `: .+; \d+ parameters$`,
				`(?m)^AdamW, lr 0\.01 \(warm-up 0 steps, cosine decay to 0\.001\), gradient norm clipped to 1; 12 steps of 4 windows of 16 bytes, seed 7$`,
				`(?m)^step     6/12  train \d\.\d{4}  val \d\.\d{4}  \(unigram \d\.\d{4}\)  lr \S+\n    func .*$`,
				`(?m)^step    12/12  train \d\.\d{4}  val \d\.\d{4}  \(unigram \d\.\d{4}\)  lr 0\.001\n    func .*$`,
				`(?m)^trained in \S+ \(\d+ bytes/s, evaluations and samples included\)$`,
				`(?m)^validation loss \d\.\d{4} nats/byte \(\d\.\d{3} bits/byte\); unigram baseline \d\.\d{4}$`,
				`(?m)^sample \(temperature 0\.8, top-k 0, prompt "func "\):\n    func `,
				`(?m)^saved the model to ` + regexp.QuoteMeta(q.modelFile) + `$`,
				`(?m)^wrote ` + regexp.QuoteMeta(filepath.Join(q.plots, curvesName(model))) + `$`,
			} {
				if !regexp.MustCompile(re).MatchString(q.out) {
					t.Errorf("output does not match %s:\n%s", re, q.out)
				}
			}
			// The last evaluation during training is the final one.
			if got, want := lastStepVal(t, q.out), finalVal(t, q.out); got != want {
				t.Errorf("val %s at the last step, final validation loss %s", got, want)
			}
			checkPNG(t, filepath.Join(q.plots, curvesName(model)))

			// The same seed: the same output and, bit for bit, the same
			// weights; another seed: other weights. The two reruns are left
			// to the plain go test: under the race detector they repeated
			// the training twice on one goroutine.
			if !raceEnabled {
				again := runQuick(t, model, text)
				if a, b := deterministic(again.out, again.dir, q.dir), deterministic(q.out, "", ""); a != b {
					t.Errorf("same seed, different output:\n%s\nthen:\n%s", b, a)
				}
				if !bytes.Equal(readFile(t, q.modelFile), readFile(t, again.modelFile)) {
					t.Error("same seed, different model files")
				}
				other := runQuick(t, model, text, "-seed", "8")
				if bytes.Equal(readFile(t, q.modelFile), readFile(t, other.modelFile)) {
					t.Error("seeds 7 and 8 trained the same model")
				}
			}
			t.Run("save and load", func(t *testing.T) { checkSaveLoad(t, q) })
		})
	}
}

// readFile returns the contents of the named file.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deterministic returns out without its timing line (and with the path old
// replaced by new), the part of a run's output that its seed decides.
func deterministic(out, old, new string) string {
	if old != "" {
		out = strings.ReplaceAll(out, old, new)
	}
	return regexp.MustCompile(`(?m)^trained in .*\n`).ReplaceAllString(out, "")
}

// checkSaveLoad checks, on the model a quick run saved, that loading it back
// with -load (same seed) gives the validation loss and the final sample of
// the run that trained it, without training and without a plot; that the
// file is refused by another architecture, listing what does not fit; and
// that a damaged or missing file is an error, not a panic.
func checkSaveLoad(t *testing.T, q quickRun) {
	args := quickArgs(q.model, q.text)
	plots := filepath.Join(t.TempDir(), "loaded")
	var stdout, stderr bytes.Buffer
	loadArgs := append(args, "-load", q.modelFile, "-plots", plots)
	if code := run(loadArgs, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%q) = %d, want 0; stderr:\n%s", loadArgs, code, &stderr)
	}
	out := stdout.String()
	if !strings.Contains(out, "loaded the model from "+q.modelFile+"\n") {
		t.Errorf("output does not report the load:\n%s", out)
	}
	if strings.Contains(out, "step ") || strings.Contains(out, "trained in") {
		t.Errorf("-load trained:\n%s", out)
	}
	if got, want := evaluation(out), evaluation(q.out); want == "" || got != want {
		t.Errorf("after -load:\n%s\nafter training:\n%s", got, want)
	}
	if _, err := os.Stat(plots); !os.IsNotExist(err) {
		t.Errorf("-load made the plot directory (err %v)", err)
	}

	other := map[string]string{"gpt": "lstm", "lstm": "gpt"}[q.model]
	stderr.Reset()
	if code := run(append(quickArgs(other, q.text), "-load", q.modelFile, "-plots", ""), &stdout, &stderr); code != 1 {
		t.Errorf("%s file into %s: exit %d, want 1", q.model, other, code)
	}
	for _, want := range []string{"charlm: layers: " + q.modelFile + " does not fit the model", "missing from the file", "unexpected in the file"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("%s file into %s: stderr lacks %q:\n%s", q.model, other, want, &stderr)
		}
	}
	stderr.Reset()
	if code := run(append(args, "-dim", "32", "-load", q.modelFile, "-plots", ""), &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "in the file, [256 32] in the model") {
		t.Errorf("-dim 32: exit %d, want 1 and a shape mismatch; stderr:\n%s", code, &stderr)
	}

	b, err := os.ReadFile(q.modelFile)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "truncated.safetensors")
	if err := os.WriteFile(bad, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(t.TempDir(), "missing.safetensors")} {
		stderr.Reset()
		if code := run(append(args, "-load", path, "-plots", ""), &stdout, &stderr); code != 1 {
			t.Errorf("-load %s: exit %d, want 1", path, code)
		}
		if !strings.HasPrefix(stderr.String(), "charlm: layers: LoadFile") {
			t.Errorf("-load %s: stderr %q", path, &stderr)
		}
	}
}

// evaluation returns the lines of a run's output that describe the final
// model: its validation loss and its sample.
func evaluation(out string) string {
	i := strings.Index(out, "validation loss ")
	j := strings.Index(out, "saved the model")
	if j < 0 {
		j = len(out)
	}
	if i < 0 || j < i {
		return ""
	}
	return out[i:j]
}

// lastStepVal returns the validation loss printed at the last evaluation
// during training.
func lastStepVal(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^step +\d+/\d+  train \S+  val (\S+)`).FindAllStringSubmatch(out, -1)
	if m == nil {
		t.Fatalf("no step lines in:\n%s", out)
	}
	return m[len(m)-1][1]
}

// finalVal returns the final validation loss the output prints.
func finalVal(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^validation loss (\S+) nats/byte`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no validation loss line in:\n%s", out)
	}
	return m[1]
}

// TestLearns trains a small gpt and a small LSTM on this package's source
// for 300 steps and checks that they end below 0.9 times the unigram
// baseline (they reach about 0.85 and 0.78): the promise of the example,
// in small. It takes some seconds, so -short and the race detector skip
// it.
func TestLearns(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("training runs: skipped with -short and -race")
	}
	text := tinyText(t)
	for _, model := range modelNames() {
		t.Run(model, func(t *testing.T) {
			args := []string{"-model", model, "-text", text, "-steps", "300", "-eval", "300", "-batch", "16", "-lr", "0.01",
				"-context", "32", "-layers", "1", "-dim", "32", "-heads", "2", "-length", "0", "-plots", ""}
			cfg, err := parseFlags(args, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			res, err := execute(cfg, &out, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if res.valLoss > 0.9*res.baseline.valLoss {
				t.Errorf("validation loss %.4f, want below 0.9 × the unigram baseline %.4f\n%s", res.valLoss, res.baseline.valLoss, &out)
			}
			if got := finalVal(t, out.String()); got != strconv.FormatFloat(res.valLoss, 'f', 4, 64) {
				t.Errorf("printed validation loss %s, measured %.6f", got, res.valLoss)
			}
		})
	}
}

// TestIsTerminal checks that the progress bar stays off for what is not a
// terminal: buffers, regular files, pipes.
func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, out := range map[string]any{"buffer": &bytes.Buffer{}, "file": f, "pipe": w} {
		if isTerminal(out.(interface{ Write([]byte) (int, error) })) {
			t.Errorf("isTerminal(%s) = true", name)
		}
	}
}

// checkPNG decodes the PNG file at path and checks that it is a picture of
// a sensible size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 50 || b.Dx() > 2000 || b.Dy() > 2000 {
		t.Errorf("%s is %dx%d pixels", path, b.Dx(), b.Dy())
	}
}

// TestTinyLR checks that a learning rate just above what rounds to 0 in
// float32 is accepted: 1e-45 is float32's smallest, about 1.4e-45.
func TestTinyLR(t *testing.T) {
	var stderr bytes.Buffer
	cfg, err := parseFlags([]string{"-lr", "1e-45"}, &stderr)
	if err != nil || cfg.lr != 1e-45 {
		t.Errorf("-lr 1e-45: lr %g, error %v, stderr %q; want 1e-45 and no error", cfg.lr, err, &stderr)
	}
}

// TestCount checks the header's counts: singular for 1 only.
func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 steps"}, {1, "1 step"}, {2, "2 steps"}} {
		if got := count(c.n, "step"); got != c.want {
			t.Errorf("count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
