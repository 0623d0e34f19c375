// Command gradcheck shows how to gradient-check your own operation. It
// defines Swish, y = x·σ(βx) with a learnable β, as an autograd.Function
// (a forward on tensors and a hand-written backward), declares a suite of
// gradcheck cases for it (fixed and random inputs, a closed-form Jacobian,
// second derivatives), and runs the suite, including a deliberately broken
// variant whose report shows how the checker locates the bug:
//
//	go run ./examples/gradcheck
//
// In a test the same table goes to gradcheck.Run, which runs each case as a
// subtest (see swish_test.go):
//
//	func TestSwish(t *testing.T) { gradcheck.Run(t, suite()) }
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/adjoint-go/adjoint/autograd/gradcheck"
)

func main() {
	if err := run(os.Stdout, suite()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
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
