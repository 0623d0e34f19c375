package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Dataset is a numeric table read from CSV: the chosen feature columns and
// the target column, one row per sample.
type Dataset struct {
	Features []string    // feature column names, in the order of each row of X
	Target   string      // target column name
	X        [][]float64 // X[sample][feature]
	Y        []float64   // Y[sample]
}

// LoadCSV reads a CSV table with a header row and returns the named feature
// columns and the target column. Columns are found by name (surrounding
// spaces and a UTF-8 byte order mark are ignored), so their order in the file
// does not matter and other columns are skipped. It returns an error, never
// panics, whatever the bytes: malformed CSV, a row whose field count differs
// from the header's, a missing or repeated required column, no data rows, or
// a value that is not a finite number, which is reported with its line and
// its column (1-based field number and name).
func LoadCSV(r io.Reader, features []string, target string) (*Dataset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked below, with a clearer message
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("csv: empty input, want a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	nfields := len(header)
	pos := make(map[string]int, nfields)
	for i, h := range header {
		name := strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if _, dup := pos[name]; dup {
			return nil, fmt.Errorf("csv: line 1: column %q appears twice in the header", name)
		}
		pos[name] = i
	}
	want := append(append([]string{}, features...), target)
	cols := make([]int, len(want))
	for i, name := range want {
		c, ok := pos[name]
		if !ok {
			return nil, fmt.Errorf("csv: line 1: missing required column %q", name)
		}
		cols[i] = c
	}

	ds := &Dataset{Features: append([]string{}, features...), Target: target}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("csv: %w", err) // *csv.ParseError names line and column
		}
		line := 0
		if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		if len(rec) != nfields {
			return nil, fmt.Errorf("csv: line %d: %d fields, but the header has %d", line, len(rec), nfields)
		}
		vals := make([]float64, len(cols))
		for i, c := range cols {
			s := strings.TrimSpace(rec[c])
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("csv: line %d, column %d (%s): %q is not a finite number", line, c+1, want[i], s)
			}
			vals[i] = v
		}
		ds.X = append(ds.X, vals[:len(features):len(features)])
		ds.Y = append(ds.Y, vals[len(features)])
	}
	if len(ds.Y) == 0 {
		return nil, errors.New("csv: no data rows after the header")
	}
	return ds, nil
}

// Split shuffles the indices 0..n-1 with rng and cuts them into a test set of
// round(testFrac·n) indices and a training set of the rest. The same rng
// state gives the same split. Each set keeps at least one index when n ≥ 2.
func Split(n int, testFrac float64, rng *rand.Rand) (train, test []int) {
	nTest := int(math.Round(testFrac * float64(n)))
	if n >= 2 {
		nTest = min(max(nTest, 1), n-1)
	}
	perm := rng.Perm(n)
	return perm[nTest:], perm[:nTest]
}

// Standardizer maps each feature to zero mean and unit variance with
// statistics fitted on one set of rows (the training split).
type Standardizer struct {
	Mean, Std []float64 // per feature
}

// FitStandardizer computes the per-feature mean and population standard
// deviation of the rows x[i] for i in idx only; idx must not be empty. A
// constant feature gets Std 1, so that it maps to 0 instead of dividing by
// zero.
func FitStandardizer(x [][]float64, idx []int) Standardizer {
	nf := len(x[idx[0]])
	s := Standardizer{Mean: make([]float64, nf), Std: make([]float64, nf)}
	for _, i := range idx {
		for f, v := range x[i] {
			s.Mean[f] += v
		}
	}
	for f := range s.Mean {
		s.Mean[f] /= float64(len(idx))
	}
	for _, i := range idx {
		for f, v := range x[i] {
			d := v - s.Mean[f]
			s.Std[f] += d * d
		}
	}
	for f := range s.Std {
		s.Std[f] = math.Sqrt(s.Std[f] / float64(len(idx)))
		if s.Std[f] == 0 {
			s.Std[f] = 1
		}
	}
	return s
}

// Apply returns the standardized copy of one row: (v − mean) / std.
func (s Standardizer) Apply(row []float64) []float64 {
	out := make([]float64, len(row))
	for f, v := range row {
		out[f] = (v - s.Mean[f]) / s.Std[f]
	}
	return out
}

// TargetScaler maps targets linearly into (0, 1), where a sigmoid output can
// reach them: the training split's minimum goes to Lo and its maximum to Hi.
type TargetScaler struct {
	Min, Max float64 // range of the training targets
	Lo, Hi   float64 // where Min and Max land, inside (0, 1)
}

// FitTargetScaler fits a TargetScaler on y[i] for i in idx, mapping their
// range onto [lo, hi]. Constant targets are given a range of width 1 so that
// the map stays invertible.
func FitTargetScaler(y []float64, idx []int, lo, hi float64) TargetScaler {
	s := TargetScaler{Min: math.Inf(1), Max: math.Inf(-1), Lo: lo, Hi: hi}
	for _, i := range idx {
		s.Min = min(s.Min, y[i])
		s.Max = max(s.Max, y[i])
	}
	if s.Max == s.Min {
		s.Max = s.Min + 1
	}
	return s
}

// Scale maps a target into the network's output range.
func (s TargetScaler) Scale(v float64) float64 {
	return s.Lo + (v-s.Min)/(s.Max-s.Min)*(s.Hi-s.Lo)
}

// Unscale maps a network output back to the target's units. It clamps
// nothing: outputs outside [Lo, Hi] map outside the training range.
func (s TargetScaler) Unscale(v float64) float64 {
	return s.Min + (v-s.Lo)/(s.Hi-s.Lo)*(s.Max-s.Min)
}
