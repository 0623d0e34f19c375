// Charlm trains a character-level language model on real text, shows its
// progress, prints what it writes as it learns, draws its learning curves,
// and saves the trained model as a safetensors file that PyTorch can read.
//
// The text is, by default, the Go standard library's own source: the .go
// files under `go env GOROOT`/src (without testdata and vendor directories),
// in a fixed pseudo-random order of their paths that mixes the packages,
// read up to -maxbytes. That source is distributed under the BSD-style
// license of the Go project (the LICENSE file at the root of GOROOT); the
// example only reads it on your machine and ships none of it. -text FILE
// trains on any file instead. The last tenth of the text is the validation
// set, never trained on.
//
// The vocabulary is the 256 byte values, so that a saved model reads any
// text; the model soon learns which bytes never occur.
//
// The two models map a window of bytes to the log-probabilities of the next
// byte at every position:
//
//	gpt:  a decoder-only transformer: byte and learned position embeddings,
//	      -layers pre-LayerNorm blocks (causal multi-head self-attention,
//	      then an MLP of 4·-dim GELU units, each added to its input), a
//	      final LayerNorm, and the byte embedding again as the output layer
//	      (tied weights): layers.Embedding, layers.PositionEmbedding,
//	      layers.TransformerEncoder and layers.TiedOutput.
//	lstm: a byte embedding, -layers stacked LSTM layers of -dim units
//	      (layers.LSTM), and a Linear output layer.
//
// Both train with AdamW and gradient clipping on the mean next-byte
// cross-entropy of random windows of the training text, in float32, with a
// linear warm-up and a cosine decay of the learning rate. Every -eval steps
// the run prints the training and validation losses, in nats per byte,
// next to the unigram baseline (the loss of always predicting the byte
// frequencies of the training text), and a short sample. At the end it
// prints a longer sample, writes the learning curves as a PNG, and saves
// the model with -save.
//
// Usage:
//
//	go run ./examples/charlm [-model gpt|lstm] [-text FILE] [-maxbytes N]
//	                         [-steps N] [-batch N] [-context N] [-layers N] [-dim N] [-heads N]
//	                         [-lr α] [-seed S] [-eval N] [-temperature τ] [-topk K]
//	                         [-prompt TEXT] [-length N] [-plots DIR] [-save FILE] [-load FILE]
//	                         [-progress=false]
//
// -load reads a saved model (built with the same -model, -layers, -dim,
// -heads and -context) instead of training one: the run then only measures
// its validation loss and samples from it. A
// progress bar runs on stderr when it is a terminal, unless
// -progress=false. Bad flags print a message and exit with status 2; a
// failing run (a file that cannot be read or written, a model file that
// does not fit the model) exits with status 1. -save and -plots are
// checked before the text is read, so that a path where nothing can be
// written fails at once, not after the training.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// config is one run's settings, filled from the command line by parseFlags.
type config struct {
	model       string  // "gpt" or "lstm"
	text        string  // train on this file; "" for the Go source
	maxBytes    int     // read at most this many bytes of text
	steps       int     // optimizer steps
	batch       int     // windows per step
	context     int     // bytes per window (and the gpt's longest context)
	layers      int     // transformer blocks or LSTM layers
	dim         int     // model width: d_model or LSTM units (and embedding size)
	heads       int     // attention heads (gpt)
	lr          float64 // AdamW's peak learning rate
	seed        uint64  // seeds the weights, the batches and the samples
	eval        int     // evaluate and sample every eval steps
	temperature float64 // sampling temperature; 0 samples the likeliest byte
	topK        int     // sample among the topK likeliest bytes; 0 for all
	prompt      string  // the samples start with this text
	length      int     // bytes of the final sample
	plots       string  // directory for the PNG file, "" for none
	save        string  // save the trained model here, if not ""
	load        string  // evaluate and sample this saved model instead of training, if not ""
	progress    bool    // show a progress bar when stderr is a terminal
}

// modelNames lists the architectures -model accepts.
func modelNames() []string { return []string{"gpt", "lstm"} }

// main runs the program on the command line and exits with run's status.
func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the whole program: it parses args, trains (or loads) and reports
// on stdout, and returns the exit status: 0 on success (and for -h), 2 for
// bad flags, 1 when the run itself fails. Errors go to stderr, as does the
// progress bar.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if _, err := execute(cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "charlm:", err)
		return 1
	}
	return 0
}

// parseFlags reads the command line into a config and validates it. Every
// error has already been reported on stderr when it returns.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{}
	fs := flag.NewFlagSet("charlm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.model, "model", "gpt", "architecture: gpt (a decoder-only transformer) or lstm")
	fs.StringVar(&cfg.text, "text", "", "train on this text `FILE` instead of the Go standard library's source")
	fs.IntVar(&cfg.maxBytes, "maxbytes", 4<<20, "read at most this many bytes of text (> 0)")
	fs.IntVar(&cfg.steps, "steps", 3000, "optimizer steps (> 0)")
	fs.IntVar(&cfg.batch, "batch", 32, "windows of text per step (> 0)")
	fs.IntVar(&cfg.context, "context", 64, "bytes per window, the gpt's longest context (> 1)")
	fs.IntVar(&cfg.layers, "layers", 3, "transformer blocks or LSTM layers (> 0)")
	fs.IntVar(&cfg.dim, "dim", 64, "width: the gpt's d_model, the LSTM's units; also the embedding size (> 0)")
	fs.IntVar(&cfg.heads, "heads", 4, "attention heads of the gpt (> 0, dividing -dim)")
	fs.Float64Var(&cfg.lr, "lr", 0.01, "AdamW's peak learning rate α (> 0, and not 0 in float32)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the initial weights, the batches and the samples")
	fs.IntVar(&cfg.eval, "eval", 250, "print the losses and a sample every this many steps (> 0)")
	fs.Float64Var(&cfg.temperature, "temperature", 0.8, "sampling temperature τ (≥ 0; 0 takes the likeliest byte)")
	fs.IntVar(&cfg.topK, "topk", 0, "sample among the K likeliest bytes only (≥ 0; 0 for all)")
	fs.StringVar(&cfg.prompt, "prompt", "func ", "the samples start with this text")
	fs.IntVar(&cfg.length, "length", 600, "bytes of the final sample (≥ 0)")
	fs.StringVar(&cfg.plots, "plots", filepath.Join(os.TempDir(), "adjoint-charlm"),
		"write the PNG plot into this `DIR` (created if needed); \"\" writes none")
	fs.StringVar(&cfg.save, "save", "", "save the trained model to this safetensors `FILE`")
	fs.StringVar(&cfg.load, "load", "", "evaluate and sample the model in this safetensors `FILE` instead of training")
	fs.BoolVar(&cfg.progress, "progress", true, "show a progress bar on stderr when it is a terminal")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := validate(cfg, fs.Args()); err != nil {
		fmt.Fprintln(stderr, "charlm:", err)
		fs.Usage()
		return cfg, err
	}
	return cfg, nil
}

// validate checks the values that the flag package parsed.
func validate(cfg config, rest []string) error {
	positive := []struct {
		name string
		v    int
	}{
		{"maxbytes", cfg.maxBytes}, {"steps", cfg.steps}, {"batch", cfg.batch},
		{"layers", cfg.layers}, {"dim", cfg.dim}, {"heads", cfg.heads}, {"eval", cfg.eval},
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q", rest)
	}
	if !slices.Contains(modelNames(), cfg.model) {
		return fmt.Errorf("-model must be one of %q, got %q", modelNames(), cfg.model)
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("-%s must be positive, got %d", p.name, p.v)
		}
	}
	switch {
	case cfg.context < 2:
		return fmt.Errorf("-context must be at least 2, got %d", cfg.context)
	case cfg.model == "gpt" && cfg.dim%cfg.heads != 0:
		return fmt.Errorf("-heads %d must divide -dim %d", cfg.heads, cfg.dim)
	case !(cfg.lr > 0) || math.IsInf(cfg.lr, 0) || math.IsInf(float64(float32(cfg.lr)), 0):
		return fmt.Errorf("-lr must be positive and finite, got %g", cfg.lr)
	case float32(cfg.lr) == 0:
		return fmt.Errorf("-lr %g rounds to 0 in float32, the precision of the training: it would not train", cfg.lr)
	case !(cfg.temperature >= 0) || math.IsInf(cfg.temperature, 0):
		return fmt.Errorf("-temperature must be finite and non-negative, got %g", cfg.temperature)
	case cfg.topK < 0:
		return fmt.Errorf("-topk must be non-negative, got %d", cfg.topK)
	case cfg.length < 0:
		return fmt.Errorf("-length must be non-negative, got %d", cfg.length)
	case cfg.load != "" && cfg.save != "":
		return errors.New("-load evaluates a saved model and trains nothing to -save: give one of them")
	}
	return nil
}
