package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEmbeddedHousing checks the embedded data: 506 houses, the first and
// the last row as published, no column B, and every value read. (The CSV
// reader itself is tested in package layers/data.)
func TestEmbeddedHousing(t *testing.T) {
	x, y, err := loadHousing()
	if err != nil {
		t.Fatalf("loadHousing: %v", err)
	}
	if x.Rows() != 506 || y.Rows() != 506 || y.Cols() != 1 {
		t.Fatalf("got %d rows and %d×%d targets, want 506 and 506×1", x.Rows(), y.Rows(), y.Cols())
	}
	if diff := cmp.Diff([]string{"RM", "LSTAT", "PTRATIO", "DIS"}, x.Names()); diff != "" {
		t.Errorf("feature names (-want +got):\n%s", diff)
	}
	// RM, LSTAT, PTRATIO, DIS -> MEDV of the first and the last house.
	if diff := cmp.Diff([]float64{6.575, 4.98, 15.3, 4.09}, x.Row(0)); diff != "" {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{6.03, 7.88, 21, 2.505}, x.Row(505)); diff != "" {
		t.Errorf("last row (-want +got):\n%s", diff)
	}
	if y.At(0, 0) != 24 || y.At(505, 0) != 11.9 {
		t.Errorf("MEDV of first and last house = %v, %v, want 24, 11.9", y.At(0, 0), y.At(505, 0))
	}
	if x.Line(0) != 2 || x.Line(505) != 507 {
		t.Errorf("first and last house from lines %d and %d, want 2 and 507", x.Line(0), x.Line(505))
	}
	header := strings.Split(strings.TrimSpace(strings.SplitN(housingCSV, "\n", 2)[0]), ",")
	if slices.Contains(header, "B") {
		t.Errorf("header %v contains column B, which was removed upstream on purpose", header)
	}
}
