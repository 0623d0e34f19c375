package vmath

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestNormCDFExact measures NormCDF64 and GELU64 against exact values of
// Φ (testdata/normcdf64.txt, written by gen/refs.py with mpmath) rather
// than against math.Erfc, which is itself up to 4 ulp off in the lower
// tail, so that the float64 kernels' own error shows: at most 6 ulp (5.1
// measured), where the sweep of TestAccuracy states 9 (NormCDF) and 10
// (GELU).
func TestNormCDFExact(t *testing.T) {
	f, err := os.Open("testdata/normcdf64.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var x, hi, lo []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		var v [3]float64
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("bad line %q", line)
		}
		for i, s := range fs {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("bad line %q: %v", line, err)
			}
		}
		x, hi, lo = append(x, v[0]), append(hi, v[1]), append(lo, v[2])
	}
	if err := sc.Err(); err != nil || len(x) < 100 {
		t.Fatalf("read %d points (%v)", len(x), err)
	}
	const bound = 6
	phi, gelu := make([]float64, len(x)), make([]float64, len(x))
	NormCDF64(phi, x)
	GELU64(gelu, x)
	var worstPhi, worstGELU float64
	for i, xv := range x {
		// x·(hi + lo) as a double-double: p + pe.
		p := xv * hi[i]
		pe := math.FMA(xv, hi[i], -p) + xv*lo[i]
		ePhi := math.Abs((phi[i]-hi[i])-lo[i]) / ulp64(hi[i])
		eGELU := max(0, math.Abs((gelu[i]-p)-pe)-slack("GELU", xv, p, true)) / ulp64(p)
		worstPhi, worstGELU = max(worstPhi, ePhi), max(worstGELU, eGELU)
		if ePhi > bound || eGELU > bound {
			t.Errorf("x = %v: NormCDF %v (%.2f ulp), GELU %v (%.2f ulp), want Φ = %v", xv, phi[i], ePhi, gelu[i], eGELU, hi[i])
		}
	}
	t.Logf("max error against exact values: NormCDF %.2f ulp, GELU %.2f ulp", worstPhi, worstGELU)
}

// ulp64 is the spacing of float64 numbers at |v| (the smallest subnormal
// below the normal range).
func ulp64(v float64) float64 {
	_, e := math.Frexp(math.Abs(v))
	return max(math.Ldexp(1, e-53), 0x1p-1074)
}
