// Digits trains a classifier of handwritten digits, a small convolutional
// network or a multilayer perceptron, on real scanned digits, shows its
// progress, prints a confusion matrix, draws its learning curves and its
// mistakes, and saves the trained model as a safetensors file that PyTorch
// can read.
//
// The data are the UCI Optical Recognition of Handwritten Digits (Alpaydin &
// Kaynak, 1998), via scikit-learn (BSD-3-Clause), embedded from
// digits.csv.gz: 1797 images of 8×8 pixels with values 0..16, each followed
// by its digit. A fixed, seeded fifth of them (359) is held out as the test
// set; the same split is used whatever the flags, so that every model and
// every saved file is judged on the same unseen digits.
//
// The two models, on [N, 1, 8, 8] images (the MLP sees them as 64 numbers):
//
//	cnn: Conv2D(1→16, 3×3, pad 1) ReLU MaxPool2D(2)      [N 16 4 4]
//	     Conv2D(16→32, 3×3, pad 1) ReLU MaxPool2D(2)     [N 32 2 2]
//	     Flatten Linear(128→10)                          [N 10] logits
//	mlp: Linear(64→256) ReLU Dropout(0.2) Linear(256→10)
//
// Both train with Adam on the cross-entropy of their logits, in float32,
// and are switched to evaluation mode (layers.SetTraining) to be tested.
//
// Usage:
//
//	go run ./examples/digits [-model cnn|mlp] [-epochs N] [-batch N] [-lr α] [-seed S]
//	                         [-plots DIR] [-save FILE] [-load FILE] [-progress=false]
//	                         [-workers N] [-mpi]
//
// -workers N trains with the data-parallel trainer (package
// layers/parallel) on N goroutines, each batch split into 8 micro-batches;
// the weights are the same bits for any N from 1 to 8. -mpi does the same
// with one process per replica under mpirun (build with -tags mpi):
//
//	mpirun -np 2 go run -tags mpi ./examples/digits -mpi
//
// Both need -batch 8 or more, a row per micro-batch. When an epoch's last
// batch is shorter than 8 images (with -batch 9, the 1438 training images
// are 159 batches and 7 images), it joins the batch before it, so that
// every image is still trained on once an epoch, in one step fewer.
//
// -save writes the trained model's parameters (named "0.weight", "0.bias",
// ... as in PyTorch's state_dict) to a safetensors file; -load reads one into
// the -model architecture instead of training, and only evaluates it. -plots
// names the directory for the PNG pictures (learning curves, misclassified
// digits); by default it is adjoint-digits under the system's temporary
// directory, and -plots "" writes none. A progress bar runs on stderr when
// it is a terminal, unless -progress=false. Bad flags print a message and
// exit with status 2; a failing run (a file that cannot be read or written,
// a model file that does not fit the model) exits with status 1. -save and
// -plots are checked before the data are read, so that a path where
// nothing can be written fails at once, not after the training.
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/adjoint-go/adjoint/layers/parallel"
)

// digitsCSVGz is the embedded data set, gzip-compressed CSV without a header:
// 64 pixel values, then the digit.
//
//go:embed digits.csv.gz
var digitsCSVGz []byte

// config is one run's settings, filled from the command line by parseFlags.
type config struct {
	model    string  // "cnn" or "mlp"
	epochs   int     // passes over the training set
	batch    int     // images per Adam step
	lr       float64 // Adam's learning rate
	seed     uint64  // seeds the initial weights and the shuffles (not the split)
	plots    string  // directory for the PNG files, "" for none
	save     string  // save the trained model here, if not ""
	load     string  // evaluate this saved model instead of training, if not ""
	progress bool    // show a progress bar when stderr is a terminal
	workers  int     // goroutines of the data-parallel trainer; 0: the plain loop
	mpi      bool    // train with one replica per MPI process

	transport parallel.Transport // the MPI processes, set by run for -mpi
}

// modelNames lists the architectures -model accepts.
func modelNames() []string { return []string{"cnn", "mlp"} }

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
	if cfg.mpi {
		tr, out, finalize, err := startMPI(stdout)
		if err != nil {
			fmt.Fprintln(stderr, "digits:", err)
			return 1
		}
		defer finalize()
		cfg.transport, stdout = tr, out
		if tr.Rank() != 0 { // rank 0 reports, saves and plots
			cfg.plots, cfg.save = "", ""
		}
	}
	if _, err := execute(cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "digits:", err)
		return 1
	}
	return 0
}

// parseFlags reads the command line into a config and validates it. Every
// error has already been reported on stderr when it returns.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{}
	fs := flag.NewFlagSet("digits", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.model, "model", "cnn", "architecture: cnn (a small convolutional network) or mlp")
	fs.IntVar(&cfg.epochs, "epochs", 20, "passes over the training set (> 0)")
	fs.IntVar(&cfg.batch, "batch", 32, "images per optimizer step (> 0; at least 8 with -workers or -mpi,\n"+
		"a row per micro-batch: a shorter last batch of an epoch joins the one before)")
	fs.Float64Var(&cfg.lr, "lr", 0.003, "Adam learning rate α (> 0, and not 0 in float32)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the initial weights and the shuffles")
	fs.StringVar(&cfg.plots, "plots", filepath.Join(os.TempDir(), "adjoint-digits"),
		"write the PNG plots into this `DIR` (created if needed); \"\" writes none")
	fs.StringVar(&cfg.save, "save", "", "save the trained model to this safetensors `FILE`")
	fs.StringVar(&cfg.load, "load", "", "evaluate the model in this safetensors `FILE` instead of training")
	fs.BoolVar(&cfg.progress, "progress", true, "show a progress bar on stderr when it is a terminal")
	fs.IntVar(&cfg.workers, "workers", 0, "train on `N` goroutines with the data-parallel trainer (1..8; 0: the plain loop)")
	fs.BoolVar(&cfg.mpi, "mpi", false, "train with one replica per MPI process (build with -tags mpi, launch with mpirun)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := validate(cfg, fs.Args()); err != nil {
		fmt.Fprintln(stderr, "digits:", err)
		fs.Usage()
		return cfg, err
	}
	return cfg, nil
}

// validate checks the values that the flag package parsed.
func validate(cfg config, rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected arguments %q", rest)
	case !slices.Contains(modelNames(), cfg.model):
		return fmt.Errorf("-model must be one of %q, got %q", modelNames(), cfg.model)
	case cfg.epochs <= 0:
		return fmt.Errorf("-epochs must be positive, got %d", cfg.epochs)
	case cfg.batch <= 0:
		return fmt.Errorf("-batch must be positive, got %d", cfg.batch)
	case !(cfg.lr > 0) || math.IsInf(cfg.lr, 0) || math.IsInf(float64(float32(cfg.lr)), 0):
		return fmt.Errorf("-lr must be positive and finite, got %g", cfg.lr)
	case float32(cfg.lr) == 0:
		return fmt.Errorf("-lr %g rounds to 0 in float32, the precision of the training: it would not train", cfg.lr)
	case cfg.workers < 0 || cfg.workers > parallel.DefaultMicroBatches:
		return fmt.Errorf("-workers must be between 0 and %d, got %d", parallel.DefaultMicroBatches, cfg.workers)
	case (cfg.workers > 0 || cfg.mpi) && cfg.batch < parallel.DefaultMicroBatches:
		return fmt.Errorf("-batch must be at least %d with -workers or -mpi, which split every batch into %d micro-batches of at least one image, got %d",
			parallel.DefaultMicroBatches, parallel.DefaultMicroBatches, cfg.batch)
	case cfg.mpi && cfg.workers != 0:
		return errors.New("-mpi runs one replica per process: leave -workers at 0")
	case cfg.load != "" && cfg.save != "":
		return errors.New("-load evaluates a saved model and trains nothing to -save: give one of them")
	}
	return nil
}
