package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/examples/internal/outpath"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/schollz/progressbar/v3"
)

// The second PCG seed words of a run's random streams; -seed is the first.
// The weights and the batches share one stream; the samples during training
// have their own, so that they do not change the batches, and so has the
// final sample, so that a model loaded with -load and the same -seed writes
// the same final sample as the run that trained it.
const (
	initStream        = 0x436861724c4d496e // "CharLMIn"
	trainSampleStream = 0x436861724c4d5472 // "CharLMTr"
	sampleStream      = 0x436861724c4d5361 // "CharLMSa"
)

// Sizes of what a run measures and prints.
const (
	evalWindows   = 64  // validation windows (of -context bytes) for the validation loss
	sampleLength  = 160 // bytes of the samples printed during training
	clipNorm      = 1.0 // gradients are clipped to this global L2 norm
	warmupPercent = 5   // of the steps, for the learning rate's linear warm-up
)

// history is what training measured, at every evaluation.
type history struct {
	steps []int     // the step after which it was measured
	train []float64 // mean training loss of the steps since the previous evaluation
	val   []float64 // validation loss
}

// result is what a run measured and wrote.
type result struct {
	text     corpus
	baseline unigram
	hist     history // empty when the model was loaded, not trained
	valLoss  float64 // the final validation loss, nats per byte
	sample   []byte  // the final sample
	files    []string
}

// execute runs the experiment: read the text, build the model, train it
// (or load it from cfg.load), measure its validation loss, print a sample,
// and save the model and the plot.
func execute(cfg config, stdout, stderr io.Writer) (result, error) {
	var res result
	var err error
	if err := checkOutputs(cfg); err != nil {
		return res, err
	}
	if res.text, err = loadCorpus(cfg); err != nil {
		return res, err
	}
	res.baseline = newUnigram(res.text.train, res.text.val)
	fmt.Fprintf(stdout, "text: %s\n", res.text.source)
	fmt.Fprintf(stdout, "%d bytes: %d to train on, %d to validate; vocabulary: the %d byte values\n",
		len(res.text.train)+len(res.text.val), len(res.text.train), len(res.text.val), vocab)
	fmt.Fprintf(stdout, "unigram baseline: %.4f nats/byte on the validation text (the training text's byte entropy is %.4f)\n",
		res.baseline.valLoss, res.baseline.entropy)

	rng := rand.New(rand.NewPCG(cfg.seed, initStream))
	model, err := newModel(cfg, rng)
	if err != nil {
		return res, err
	}
	fmt.Fprintln(stdout, describe(cfg, model))
	val := newEvaluator(res.text.val, cfg)
	if cfg.load != "" {
		if err := layers.LoadFile(cfg.load, model); err != nil {
			return res, err
		}
		fmt.Fprintf(stdout, "loaded the model from %s\n", cfg.load)
	} else if res.hist, err = fit(cfg, model, res.text.train, val, res.baseline, rng, stdout, stderr); err != nil {
		return res, err
	}

	res.valLoss = val.loss(model)
	fmt.Fprintf(stdout, "validation loss %.4f nats/byte (%.3f bits/byte); unigram baseline %.4f\n",
		res.valLoss, res.valLoss/math.Ln2, res.baseline.valLoss)
	s := &sampler{temperature: cfg.temperature, topK: cfg.topK, rng: rand.New(rand.NewPCG(cfg.seed, sampleStream))}
	res.sample = append([]byte(cfg.prompt), generate(model, cfg.prompt, cfg.length, s)...)
	fmt.Fprintf(stdout, "sample (temperature %g, top-k %d, prompt %q):\n%s\n", cfg.temperature, cfg.topK, cfg.prompt, indent(res.sample))

	if cfg.save != "" {
		if err := layers.SaveFile(cfg.save, model); err != nil {
			return res, err
		}
		fmt.Fprintf(stdout, "saved the model to %s\n", cfg.save)
	}
	if cfg.plots != "" && len(res.hist.steps) > 0 {
		path, err := writeCurves(cfg.plots, cfg.model, res.hist, res.baseline.valLoss)
		if err != nil {
			return res, err
		}
		res.files = append(res.files, path)
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return res, nil
}

// checkOutputs checks, before the text is read, that -save names a file
// that can be written and -plots (when a model is trained, the only case
// that draws its curves) a directory that can be, so that a bad path fails
// at once and not after the training.
func checkOutputs(cfg config) error {
	if cfg.save != "" {
		if err := outpath.File("save", cfg.save); err != nil {
			return err
		}
	}
	if cfg.plots != "" && cfg.load == "" {
		return outpath.Dir("plots", cfg.plots)
	}
	return nil
}

// fit trains model on random windows of text with AdamW, its learning rate
// warmed up linearly over the first warmupPercent of the steps and then
// annealed along a cosine to a tenth, its gradients clipped to a global
// norm of clipNorm. Every cfg.eval steps (and after the last) it measures
// the validation loss and prints it with the training loss and a short
// sample. A progress bar runs on stderr when it is a terminal.
func fit(cfg config, model languageModel, text []byte, val *evaluator, base unigram, rng *rand.Rand, stdout, stderr io.Writer) (history, error) {
	var h history
	ps := model.Parameters()
	opt, err := optim.NewAdamW(ps, cfg.lr)
	if err != nil {
		return h, err
	}
	warmup := cfg.steps * warmupPercent / 100
	cosine, err := optim.NewWarmupCosineLR(optim.WarmupCosineConfig{
		Base: cfg.lr, Warmup: warmup, Decay: max(1, cfg.steps-warmup), Min: cfg.lr / 10,
	})
	if err != nil {
		return h, err
	}
	sched, err := optim.NewScheduler(opt, cosine)
	if err != nil {
		return h, err
	}
	fmt.Fprintf(stdout, "AdamW, lr %g (warm-up %s, cosine decay to %.2g), gradient norm clipped to %g; %s of %s of %s, seed %d\n",
		cfg.lr, count(warmup, "step"), cfg.lr/10, clipNorm, count(cfg.steps, "step"), count(cfg.batch, "window"), count(cfg.context, "byte"), cfg.seed)

	showBar := cfg.progress && isTerminal(stderr)
	samples := &sampler{temperature: cfg.temperature, topK: cfg.topK, rng: rand.New(rand.NewPCG(cfg.seed, trainSampleStream))}
	starts := make([]int, cfg.batch)
	var ids []float32
	var targets []int
	x := tensor.Zeros[float32](cfg.batch, cfg.context)
	ar := autograd.NewArena[float32]() // one step's memory, reused by the next
	start := time.Now()
	var sum float64
	var bar *progressbar.ProgressBar
	for step := 1; step <= cfg.steps; step++ {
		if showBar && bar == nil {
			bar = newBar(stderr, min(cfg.eval, cfg.steps-step+1), fmt.Sprintf("steps %d-%d", step, min(step+cfg.eval-1, cfg.steps)))
		}
		randomStarts(starts, len(text), cfg.context, rng)
		ids, targets = batchOf(text, starts, cfg.context, ids, targets)
		copy(x.Data(), ids)
		ar.Reset() // recycles what the previous step made under ar
		loss := autograd.CrossEntropy(model.Forward(ar.Const(x)), targets)
		loss.Backward()
		// A NaN or infinite gradient means training has diverged (the
		// bytes of a text cannot poison a batch): ClipGradNorm leaves the
		// gradients as they were and says which parameter holds it, and
		// the run stops there rather than write NaN into every weight.
		if _, err := optim.ClipGradNorm(ps, clipNorm); err != nil {
			return h, fmt.Errorf("step %d (loss %g): %w", step, loss.Item(), err)
		}
		if err := opt.Step(); err != nil {
			return h, fmt.Errorf("step %d: %w", step, err)
		}
		opt.ZeroGrad()
		if err := sched.Step(); err != nil {
			return h, err
		}
		sum += float64(loss.Item())
		if bar != nil {
			bar.Add(1)
		}
		if step%cfg.eval != 0 && step != cfg.steps {
			continue
		}
		if bar != nil {
			bar.Finish() // clears the bar's line, for the report
			bar = nil
		}
		n := step
		if len(h.steps) > 0 {
			n -= h.steps[len(h.steps)-1]
		}
		h.steps = append(h.steps, step)
		h.train = append(h.train, sum/float64(n))
		h.val = append(h.val, val.loss(model))
		sum = 0
		fmt.Fprintf(stdout, "step %5d/%d  train %.4f  val %.4f  (unigram %.4f)  lr %.2g\n",
			step, cfg.steps, h.train[len(h.train)-1], h.val[len(h.val)-1], base.valLoss, opt.LR())
		fmt.Fprintf(stdout, "%s\n", indent(append([]byte(cfg.prompt), generate(model, cfg.prompt, sampleLength, samples)...)))
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "trained in %s (%.0f bytes/s, evaluations and samples included)\n",
		el.Round(time.Second/10), float64(cfg.steps*cfg.batch*cfg.context)/el.Seconds())
	return h, nil
}

// evaluator measures a model's mean next-byte loss on fixed windows of a
// text.
type evaluator struct {
	ar      *autograd.Arena[float32] // an inference Arena, reset for each batch
	text    []byte
	starts  []int
	batch   int
	context int
}

// newEvaluator returns the evaluator of evalWindows windows spread over
// text, in batches of cfg.batch.
func newEvaluator(text []byte, cfg config) *evaluator {
	return &evaluator{ar: autograd.NewInferenceArena[float32](), text: text, starts: evalStarts(len(text), cfg.context, evalWindows), batch: cfg.batch, context: cfg.context}
}

// loss returns the mean cross-entropy, in nats per byte, of model's
// predictions over every position of the evaluator's windows. The
// evaluator's Arena is an inference Arena: no graph is recorded, and each
// batch's tensors are recycled by the next.
func (e *evaluator) loss(model languageModel) float64 {
	ar := e.ar
	var ids []float32
	var targets []int
	var sum float64
	for i := 0; i < len(e.starts); i += e.batch {
		starts := e.starts[i:min(i+e.batch, len(e.starts))]
		ids, targets = batchOf(e.text, starts, e.context, ids, targets)
		ar.Reset()
		x := ar.Const(tensor.MustNew(ids, len(starts), e.context))
		l := autograd.CrossEntropy(model.Forward(x), targets)
		sum += float64(l.Item()) * float64(len(targets))
	}
	return sum / float64(len(e.starts)*e.context)
}

// indent returns text with every line indented by four spaces, for
// printing a sample apart from the report's lines. Bytes that are not
// UTF-8 become U+FFFD and control characters other than tab and newline
// U+00B7 (·), so that a sample cannot garble a terminal.
func indent(text []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return '·'
		}
		return r
	}, strings.ToValidUTF8(string(text), "\uFFFD"))
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// newBar returns a progress bar over n steps, drawn on w, that erases
// itself when finished.
func newBar(w io.Writer, n int, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}

// isTerminal reports whether w is a terminal (a character device), where a
// progress bar is drawn; in a file, a pipe or a test's buffer it would be
// noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// count returns n and the noun, in the plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
