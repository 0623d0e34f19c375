// Houseprice trains the seed article's [4, 5, 1] sigmoid network to predict
// house prices, on real data, and checks on the way that Backward's gradients
// are the ones the article derives by hand.
//
// The data are the Boston housing data, Harrison, D. and Rubinfeld, D.L.
// (1978), via the UCI ML Repository and scikit-learn (BSD-3-Clause),
// embedded from housing.csv. The original column B was removed upstream on
// purpose and is not reintroduced here. Four features, RM, LSTAT, PTRATIO and
// DIS, predict MEDV, the median house value in thousands of dollars.
//
// The program splits the houses (seeded) into training and test sets,
// standardizes the features and scales the target into (0, 1) with
// statistics of the training split only, trains with gradient descent, and
// prints the test RMSE next to the RMSE of always predicting the training
// mean.
//
// Usage:
//
//	go run ./examples/houseprice [-epochs N] [-lr α] [-momentum μ] [-batch N] [-seed S] [-dot FILE] [-plots DIR]
//
// -dot writes the graph of one training step in Graphviz DOT (render it with
// `dot -Tsvg FILE`). -plots names the directory for two PNG pictures,
// predicted against actual prices on the test split and the training loss
// curve; by default it is adjoint-houseprice under the system's temporary
// directory (so that a run inside a clone leaves the clone clean), and
// -plots "" writes none. Bad flags print a message and exit with status 2.
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
)

// housingCSV is the embedded data set (a string, so it cannot be modified).
//
//go:embed housing.csv
var housingCSV string

// main runs the program on the command line and exits with run's status.
func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the whole program: it parses args, trains and reports on stdout,
// and returns the exit status: 0 on success (and for -h), 2 for bad flags,
// 1 when the run itself fails (for example, the -dot file cannot be written).
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	rep, err := train(cfg, stdout)
	if err == nil && cfg.plots != "" {
		err = writePlots(cfg.plots, rep, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "houseprice:", err)
		return 1
	}
	return 0
}

// parseFlags reads the command line into a config and validates it. Every
// error has already been reported on stderr when it returns: the flag
// package's own messages for values that do not parse, and one line for
// values that parse but make no sense.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{}
	fs := flag.NewFlagSet("houseprice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.epochs, "epochs", 300, "passes over the training split (> 0)")
	fs.IntVar(&cfg.batch, "batch", 32, "houses per gradient step (> 0)")
	fs.Float64Var(&cfg.lr, "lr", 0.5, "learning rate α (> 0)")
	fs.Float64Var(&cfg.momentum, "momentum", 0.9, "SGD momentum μ in [0, 1); 0 is the article's plain update")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the split, the initial weights and the shuffles")
	fs.StringVar(&cfg.dot, "dot", "", "write the graph of one training step to this Graphviz `FILE`")
	fs.StringVar(&cfg.plots, "plots", filepath.Join(os.TempDir(), "adjoint-houseprice"),
		"write the PNG plots into this `DIR` (created if needed); \"\" writes none")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := validate(cfg, fs.Args()); err != nil {
		fmt.Fprintln(stderr, "houseprice:", err)
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
	case cfg.epochs <= 0:
		return fmt.Errorf("-epochs must be positive, got %d", cfg.epochs)
	case cfg.batch <= 0:
		return fmt.Errorf("-batch must be positive, got %d", cfg.batch)
	case !(cfg.lr > 0) || math.IsInf(cfg.lr, 0):
		return fmt.Errorf("-lr must be positive and finite, got %g", cfg.lr)
	case !(cfg.momentum >= 0 && cfg.momentum < 1):
		return fmt.Errorf("-momentum must be in [0, 1), got %g", cfg.momentum)
	}
	return nil
}
