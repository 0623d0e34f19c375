package roundticks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/plot"
)

func majors(ts Ticks, min, max float64) []string {
	var out []string
	for _, t := range ts.Ticks(min, max) {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestTicks(t *testing.T) {
	tests := []struct {
		name     string
		ticks    Ticks
		min, max float64
		want     []string
	}{
		{"loss", Ticks{}, 0.0734, 2.317, []string{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5"}},
		{"accuracy", Ticks{}, 61.3, 100, []string{"60", "70", "80", "90", "100"}},
		{"one epoch", Ticks{Integer: true}, 1, 1, []string{"1", "2"}},
		{"few epochs", Ticks{Integer: true}, 1, 3, []string{"1", "2", "3"}},
		{"many epochs", Ticks{Integer: true}, 1, 300, []string{"0", "100", "200", "300"}},
		{"small values", Ticks{N: 4}, 0.0012, 0.0049, []string{"0.001", "0.002", "0.003", "0.004", "0.005"}},
		{"negative", Ticks{}, -3.2, 4.1, []string{"-4", "-2", "0", "2", "4", "6"}},
		{"prices", Ticks{}, 5, 50, []string{"0", "10", "20", "30", "40", "50"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, majors(tt.ticks, tt.min, tt.max)); diff != "" {
			t.Errorf("%s [%v, %v] (-want +got):\n%s", tt.name, tt.min, tt.max, diff)
		}
	}
}

func TestStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.3: 0.5, 1: 1, 1.2: 2, 3: 5, 7: 10, 20: 20, 0.04: 0.05, 0: 1, 4e-6: 5e-6, 3e299: 5e299, 1.5e308: math.Inf(1)} {
		if got := Step(raw); got != want {
			t.Errorf("Step(%v) = %v, want %v", raw, got, want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		want     []string
	}{
		{0.031, 0.74, []string{"0.02", "0.05", "0.1", "0.2", "0.5", "1"}},
		{0.2, 0.2, []string{"0.2", "0.5", "1", "2"}},
		{0.003, 40, []string{"0.001", "0.01", "0.1", "1", "10", "100"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (LogTicks{}).Ticks(tt.min, tt.max) {
			got = append(got, tk.Label)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("[%v, %v] (-want +got):\n%s", tt.min, tt.max, diff)
		}
	}
}

// within returns f's result, failing t if f has not returned within two
// seconds: the ranges of the tests below made Ticks loop forever, which
// would otherwise hang the test binary until its timeout.
func within(t *testing.T, what string, f func() []plot.Tick) []plot.Tick {
	t.Helper()
	done := make(chan []plot.Tick, 1)
	go func() { done <- f() }()
	select {
	case ticks := <-done:
		return ticks
	case <-time.After(2 * time.Second):
		t.Fatalf("%s did not return within 2 s", what)
		return nil
	}
}

// majorValues returns the values of the labeled ticks.
func majorValues(ticks []plot.Tick) []float64 {
	var out []float64
	for _, t := range ticks {
		if t.Label != "" {
			out = append(out, t.Value)
		}
	}
	return out
}

// TestTicksExtremeRanges checks that Ticks returns for bounds that are not
// finite (no ticks), for ranges whose width overflows a float64, and for an
// empty range where min+1 == min; and that it gives a few distinct round
// values, finite and increasing, not thousands of copies of one.
func TestTicksExtremeRanges(t *testing.T) {
	inf, big := math.Inf(1), math.MaxFloat64
	for _, r := range [][2]float64{{math.NaN(), 1}, {0, math.NaN()}, {inf, -inf}, {-inf, 1}, {0, inf}} {
		if got := within(t, fmt.Sprint("Ticks", r), func() []plot.Tick { return Ticks{}.Ticks(r[0], r[1]) }); got != nil {
			t.Errorf("Ticks(%v, %v) = %v, want nil", r[0], r[1], got)
		}
	}
	tests := []struct {
		ticks    Ticks
		min, max float64
		want     []float64 // the major ticks' values
	}{
		{Ticks{}, -1e308, 1e308, []float64{-1e308, -5e307, 0, 5e307, 1e308}},
		{Ticks{}, 0, big, []float64{0, 5e307, 1e308, 1.5e308}}, // 2e308 overflows
		{Ticks{N: 1}, -big, big, []float64{-1e308, 0, 1e308}},  // a step of 2e308 would overflow
		{Ticks{}, 1e300, 1e300, []float64{1e300, 1.02e300, 1.04e300, 1.06e300, 1.08e300, 1.1e300}},
		{Ticks{}, 1e20, 1e20, []float64{1e20, 1.02e20, 1.04e20, 1.06e20, 1.08e20, 1.1e20}},
		{Ticks{}, -1e20, -1e20, []float64{-1e20, -9.8e19, -9.6e19, -9.4e19, -9.2e19, -9e19}},
		{Ticks{}, big, big, []float64{1.75e308}}, // 1.8e308 overflows
		{Ticks{Integer: true}, 1e20, 1e20, []float64{1e20, 1.02e20, 1.04e20, 1.06e20, 1.08e20, 1.1e20}},
		{Ticks{}, 1e20, math.Nextafter(1e20, inf), []float64{1e20, 1.000000000001e20}}, // not 3 steps of 5000 in one ulp of 16384
		{Ticks{}, 0, 5e-324, []float64{0, 1e-323}},
		{Ticks{N: math.MaxInt}, 0, 1, []float64{0, 0.001, 0.002}}, // only the first three: N is capped at MaxN
	}
	for _, tt := range tests {
		ticks := within(t, fmt.Sprintf("%+v.Ticks(%v, %v)", tt.ticks, tt.min, tt.max), func() []plot.Tick { return tt.ticks.Ticks(tt.min, tt.max) })
		got := majorValues(ticks)
		if tt.ticks.N == math.MaxInt {
			if len(got) != MaxN+1 {
				t.Errorf("N = MaxInt: %d major ticks, want MaxN+1 = %d", len(got), MaxN+1)
			}
			got = got[:3]
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
			t.Errorf("%+v.Ticks(%v, %v) majors (-want +got):\n%s", tt.ticks, tt.min, tt.max, diff)
		}
		for i, tk := range ticks {
			if math.IsInf(tk.Value, 0) || math.IsNaN(tk.Value) || i > 0 && !(tk.Value > ticks[i-1].Value) {
				t.Errorf("%+v.Ticks(%v, %v): tick %d is %v after %v, want finite and increasing", tt.ticks, tt.min, tt.max, i, tk.Value, ticks[max(i-1, 0)].Value)
			}
		}
	}
}

// TestLogTicksExtremeRanges checks that LogTicks returns for bounds that
// are not finite (no ticks: Log10(+Inf) made it loop forever) and that its
// ticks stay finite when 10·min overflows.
func TestLogTicksExtremeRanges(t *testing.T) {
	inf, big := math.Inf(1), math.MaxFloat64
	for _, r := range [][2]float64{{inf, 1}, {inf, -inf}, {1, inf}, {math.NaN(), 1}, {1, math.NaN()}, {-inf, 1}} {
		if got := within(t, fmt.Sprint("LogTicks", r), func() []plot.Tick { return LogTicks{}.Ticks(r[0], r[1]) }); got != nil {
			t.Errorf("LogTicks.Ticks(%v, %v) = %v, want nil", r[0], r[1], got)
		}
	}
	for _, tt := range []struct {
		min, max float64
		want     []float64
	}{
		{big, big, []float64{1e308}}, // [big, 10·big] is [big, +Inf]
		{1e307, big, []float64{1e307, 2e307, 5e307, 1e308}},
	} {
		ticks := within(t, fmt.Sprint("LogTicks", tt.min, tt.max), func() []plot.Tick { return LogTicks{}.Ticks(tt.min, tt.max) })
		var got []float64
		for _, tk := range ticks {
			got = append(got, tk.Value)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
			t.Errorf("LogTicks.Ticks(%v, %v) (-want +got):\n%s", tt.min, tt.max, diff)
		}
	}
}

// TestRoundLabels checks that labels read as round numbers where the tick
// values are not exact float64s: 1e23 is 99999999999999991611392, which a
// label with no decimals printed in full, 1e300 a label of 301 digits, and
// 5 × Pow(10, −6) is 4.9999999999999996e-06.
func TestRoundLabels(t *testing.T) {
	tests := []struct {
		name     string
		ticker   plot.Ticker
		min, max float64
		want     []string
	}{
		{"large", Ticks{}, 0, 5e23, []string{"0", "1e+23", "2e+23", "3e+23", "4e+23", "5e+23"}},
		{"huge", Ticks{}, 1e300, 5e300, []string{"1e+300", "2e+300", "3e+300", "4e+300", "5e+300"}},
		{"one huge point", Ticks{}, 1e20, 1e20, []string{"1e+20", "1.02e+20", "1.04e+20", "1.06e+20", "1.08e+20", "1.1e+20"}},
		{"tiny", Ticks{}, 1.2e-7, 4.1e-7, []string{"1e-07", "2e-07", "3e-07", "4e-07", "5e-07"}},
		{"tiny halves", Ticks{}, 1.2e-7, 2.1e-7, []string{"1.2e-07", "1.4e-07", "1.6e-07", "1.8e-07", "2e-07", "2.2e-07"}},
		{"below 1e15", Ticks{}, 0, 4e14, []string{"0", "100000000000000", "200000000000000", "300000000000000", "400000000000000"}},
		{"log", LogTicks{}, 3e-6, 8e-6, []string{"2e-06", "5e-06", "1e-05"}},
		{"log huge", LogTicks{}, 3e300, 8e300, []string{"2e+300", "5e+300", "1e+301"}},
		{"log subnormal", LogTicks{}, 5e-324, 1e-322, []string{"5e-324", "1e-323", "2e-323", "5e-323", "1e-322"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range tt.ticker.Ticks(tt.min, tt.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s [%v, %v] (-want +got):\n%s", tt.name, tt.min, tt.max, diff)
		}
	}
}

// TestLabelsReadBack checks, over ranges from 1e-300 to 1e300 of either
// sign and of several widths, that every label has at most 15 significant
// digits and reads back as its tick's value.
func TestLabelsReadBack(t *testing.T) {
	var n int
	for e := -300; e <= 300; e += 7 {
		for _, w := range []float64{0, 1e-9, 0.3, 1, 7, 1e6} {
			for _, sign := range []float64{1, -1} {
				min := sign * 1.37 * math.Pow10(e)
				max := min + math.Abs(min)*w
				ticks := Ticks{}.Ticks(min, max)
				if sign > 0 {
					ticks = append(ticks, LogTicks{}.Ticks(min, max)...)
				}
				for _, tk := range ticks {
					if tk.Label == "" {
						continue
					}
					n++
					v, err := strconv.ParseFloat(tk.Label, 64)
					if err != nil || math.Abs(v-tk.Value) > 1e-15*math.Abs(tk.Value) {
						t.Errorf("[%v, %v]: label %q of the tick %v reads as %v (%v)", min, max, tk.Label, tk.Value, v, err)
					}
					if d := significantDigits(tk.Label); d > 15 {
						t.Errorf("[%v, %v]: label %q has %d significant digits", min, max, tk.Label, d)
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d labels checked", n)
	}
}

// significantDigits counts the digits of a number's mantissa from the
// first nonzero one to the last nonzero one.
func significantDigits(s string) int {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(s), "0")
	return len(s)
}
