// Command gradcheck shows how to gradient-check your own operation. It
// defines Swish, y = x·σ(βx) with a learnable β, as an autograd.Function
// (a forward on tensors and a hand-written backward), declares a suite of
// gradcheck cases for it (fixed and random inputs, a closed-form Jacobian,
// second derivatives), and runs the suite, including a deliberately broken
// variant whose report shows how the checker locates the bug:
//
//	go run ./examples/gradcheck
//
// It takes no flags and no arguments: -h prints the usage, and anything
// else exits with status 2; a case that misbehaves exits with status 1.
//
// In a test the same table goes to gradcheck.Run, which runs each case as a
// subtest (see swish_test.go):
//
//	func TestSwish(t *testing.T) { gradcheck.Run(t, suite()) }
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/adjoint-go/adjoint/autograd/gradcheck"
)

func main() { os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr)) }

// runMain is the program on the command line args: it checks them (there
// are no flags; -h prints the usage), runs the suite, and returns the exit
// status: 0 on success and for -h, 2 for a flag or an argument, 1 when a
// case misbehaves.
func runMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gradcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gradcheck\n\nIt gradient-checks the Swish example op and a broken variant; it takes no flags and no arguments.")
	}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil: // the flag package has printed it
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "gradcheck: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	if err := run(stdout, suite()); err != nil {
		fmt.Fprintln(stderr, "gradcheck:", err)
		return 1
	}
	return 0
}

// run checks every case and prints its outcome; a case that expects a
// failure prints the report of that failure. It returns an error when a case
// does not behave as it should.
func run(w io.Writer, cases []gradcheck.Case) error {
	bad := 0
	for _, c := range cases {
		err := c.Check()
		switch {
		case c.WantErr == nil && err == nil:
			fmt.Fprintf(w, "ok    %s\n", c.Name)
		case c.WantErr == nil:
			fmt.Fprintf(w, "FAIL  %s\n%v\n", c.Name, err)
			bad++
		case errors.Is(err, c.WantErr):
			fmt.Fprintf(w, "ok    %s (fails as it should):\n%v\n", c.Name, err)
		default:
			fmt.Fprintf(w, "FAIL  %s: want an error matching %q, got %v\n", c.Name, c.WantErr, err)
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d cases misbehaved", bad)
	}
	return nil
}
