package layers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
)

// TestForwardNil checks that every module given a nil input panics with a
// typed error rather than a nil dereference: a *layers.ArgError from the
// containers and Linear, which check it first, an *autograd.UsageError
// naming the operation from the others. Identity returns its input as is.
func TestForwardNil(t *testing.T) {
	for _, row := range everyModule() {
		if row.typ == "Identity" {
			continue
		}
		t.Run(row.name, func(t *testing.T) {
			m, _ := row.build()
			defer func() {
				r := recover()
				err, _ := r.(error)
				var ae *layers.ArgError
				var ue *autograd.UsageError
				switch {
				case errors.As(err, &ae):
					if !strings.HasSuffix(ae.Error(), ": x = <nil>: must not be nil") {
						t.Errorf("panic %q", ae)
					}
				case errors.As(err, &ue):
					if !strings.Contains(ue.Error(), " is nil") && !strings.Contains(ue.Error(), "nil *Var") {
						t.Errorf("panic %q", ue)
					}
				default:
					t.Errorf("panic %v (%T), want a *layers.ArgError or *autograd.UsageError", r, r)
				}
			}()
			m.Forward(nil)
		})
	}
}

// TestSequentialForwardNil checks the *layers.ArgError of a Sequential
// given a nil input, and of a Linear, which a Sequential fuses with a
// following ReLU.
func TestSequentialForwardNil(t *testing.T) {
	rng := newRNG(3)
	for _, c := range []struct {
		m    layers.Module[float64]
		want string
	}{
		{layers.NewSequential[float64](layers.NewLinear[float64](rng, 3, 2, nil), layers.ReLU[float64]{}), "layers: Sequential: x = <nil>: must not be nil"},
		{layers.NewLinear[float64](rng, 3, 2, nil), "layers: Linear (weight): x = <nil>: must not be nil"},
	} {
		func() {
			defer func() {
				r := recover()
				err, _ := r.(error)
				var ae *layers.ArgError
				if !errors.As(err, &ae) || ae.Error() != c.want {
					t.Errorf("panic %v (%T), want *layers.ArgError %q", r, r, c.want)
				}
			}()
			c.m.Forward(nil)
		}()
	}
}
