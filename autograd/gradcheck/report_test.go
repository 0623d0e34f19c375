package gradcheck_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
)

// Tests of Assert, Report.String, and concurrent checks.

// fakeTB records what Assert reports; any other testing.TB method panics
// (the embedded interface is nil), so Assert may use only Helper and Errorf.
type fakeTB struct {
	testing.TB
	errs    []string
	helpers int
}

func (f *fakeTB) Helper() { f.helpers++ }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// 10. Assert reports failures with Errorf and returns whether the check passed.
func TestAssert(t *testing.T) {
	x := tns([]int{2, 3}, 0.5, -1.2, 2.0, 0.3, 1.7, -0.8)
	tests := []struct {
		name    string
		f       gradcheck.Func
		opts    []gradcheck.Option
		want    bool
		wantMsg []string
	}{
		{"correct", func(x []V) V { return autograd.Sum(autograd.Square(x[0])) }, nil, true, nil},
		{"wrong at [1 1]", func(x []V) V { return autograd.Sum(squareWrongAt(x[0], 4)) }, nil, false,
			[]string{"gradcheck: 1 of 6", "input 0", "element [1 1]", "analytic", "numeric"}},
		{"borderline fails by default", borderline(4, 0.01), nil, false, []string{"1 of 6", "element [1 1]"}},
		{"options are passed on", borderline(4, 0.01), []gradcheck.Option{gradcheck.Rtol(1e-2)}, true, nil},
		{"invalid option", func(x []V) V { return autograd.Sum(x[0]) }, []gradcheck.Option{gradcheck.Eps(0)}, false,
			[]string{"invalid options"}},
		{"mutating function", func(x []V) V {
			x[0].Value().Data()[0] = 0
			return autograd.Sum(x[0])
		}, nil, false, []string{gradcheck.ErrMutatedInput.Error()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := &fakeTB{}
			got := gradcheck.Assert(tb, tc.f, ins(x.Clone()), tc.opts...)
			if got != tc.want {
				t.Errorf("Assert = %v, want %v", got, tc.want)
			}
			if tb.helpers == 0 {
				t.Errorf("Assert did not call tb.Helper")
			}
			if tc.want {
				if len(tb.errs) != 0 {
					t.Errorf("Assert reported %q for a passing check", tb.errs)
				}
				return
			}
			if len(tb.errs) != 1 {
				t.Fatalf("Assert called Errorf %d times, want once: %q", len(tb.errs), tb.errs)
			}
			for _, s := range tc.wantMsg {
				if !strings.Contains(tb.errs[0], s) {
					t.Errorf("Errorf message lacks %q:\n%s", s, tb.errs[0])
				}
			}
		})
	}
}

// Report.String names the counts, tolerances and the worst element.
func TestReportString(t *testing.T) {
	rep := gradcheck.Report{
		Total: 12, Failed: 2, MaxAbsErr: 0.5, MaxRelErr: 0.25,
		Atol: 1e-5, Rtol: 1e-3, Eps: 1e-6,
		Worst: &gradcheck.Element{Input: 1, Index: []int{0, 2}, Output: []int{3},
			Analytic: 1.5, Numeric: 2, AbsErr: 0.5, RelErr: 0.25},
	}
	want := "2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06); " +
		"max abs err 0.5, max rel err 0.25; " +
		"worst: input 1 element [0 2], output [3]: analytic 1.5, numeric 2 (abs err 0.5, rel err 0.25)"
	if got := rep.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	if got := (&gradcheck.Error{Report: rep}).Error(); got != "gradcheck: "+want {
		t.Errorf("Error() = %q, want the report behind \"gradcheck: \"", got)
	}

	wantText := "2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06)\n" +
		"\tworst: input 1 element [0 2], output [3]\n" +
		"\t\tanalytic 1.5, numeric 2 (abs err 0.5, rel err 0.25)\n" +
		"\tmax abs err 0.5, max rel err 0.25"
	if got := rep.Text(); got != wantText {
		t.Errorf("Text() =\n%s\nwant\n%s", got, wantText)
	}

	// Names, second order, and a supplied Jacobian change the wording only.
	named := rep
	named.Names = []string{"x", "beta"}
	if got, want := named.String(), "worst: beta element [0 2], output [3]: "; !strings.Contains(got, want) {
		t.Errorf("String() with Names = %q, want it to contain %q", got, want)
	}
	named.Names = []string{"x", ""}
	if got, want := named.String(), "worst: input 1 element [0 2]"; !strings.Contains(got, want) {
		t.Errorf("String() with an empty name = %q, want it to contain %q", got, want)
	}
	second := rep
	second.Order, second.Names = 2, []string{"x", "grad output"}
	second.Worst = &gradcheck.Element{Input: 1, Index: []int{1}, Grad: 0, Output: []int{0, 1}, Analytic: 0, Numeric: 3, AbsErr: 3, RelErr: 1}
	if got, want := second.String(), "second order: 2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06); "+
		"max abs err 0.5, max rel err 0.25; worst: grad output element [1], gradient of x element [0 1]: analytic 0, numeric 3 (abs err 3, rel err 1)"; got != want {
		t.Errorf("second-order String() =\n%s\nwant\n%s", got, want)
	}
	supplied := rep
	supplied.Reference, supplied.Eps = gradcheck.SuppliedJacobian, 0
	if got, want := supplied.String(), "2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|expected| (against the supplied Jacobian); "+
		"max abs err 0.5, max rel err 0.25; worst: input 1 element [0 2], output [3]: analytic 1.5, expected 2 (abs err 0.5, rel err 0.25)"; got != want {
		t.Errorf("supplied-Jacobian String() =\n%s\nwant\n%s", got, want)
	}
	if gradcheck.FiniteDifferences.String() != "numeric" || gradcheck.SuppliedJacobian.String() != "expected" {
		t.Errorf("Reference strings = %q, %q; want numeric, expected", gradcheck.FiniteDifferences, gradcheck.SuppliedJacobian)
	}

	rep.Worst = nil
	if got := rep.String(); strings.Contains(got, "worst") {
		t.Errorf("String() with Worst nil = %q, mentions a worst element", got)
	}
	if got := rep.Text(); strings.Contains(got, "worst") {
		t.Errorf("Text() with Worst nil = %q, mentions a worst element", got)
	}
}

// Check keeps no state between calls: concurrent checks agree.
func TestCheckConcurrent(t *testing.T) {
	f := func(x []V) V { return autograd.Sum(squareWrongAt(x[0], 2)) }
	x := tns([]int{4}, 0.1, 0.2, 0.3, 0.4)
	want, _ := gradcheck.Check(f, ins(x))
	errs := make(chan string, 8)
	for range 8 {
		go func() {
			rep, _ := gradcheck.Check(f, ins(x))
			errs <- cmp.Diff(want, rep)
		}()
	}
	for range 8 {
		if diff := <-errs; diff != "" {
			t.Errorf("concurrent Check differs (-first +concurrent):\n%s", diff)
		}
	}
}
