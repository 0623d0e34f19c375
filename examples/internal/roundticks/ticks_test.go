package roundticks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
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
	for raw, want := range map[float64]float64{0.3: 0.5, 1: 1, 1.2: 2, 3: 5, 7: 10, 20: 20, 0.04: 0.05, 0: 1} {
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
