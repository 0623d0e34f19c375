package data_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzReadCSV feeds arbitrary bytes to ReadCSV, with and without a header
// and NaN allowed or not: it must return an error that says where, or a
// consistent table that reads back the same after writing it out, and never
// panic. The seed corpus is in testdata/fuzz/FuzzReadCSV, next to the seeds
// added here.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("RM,LSTAT,MEDV\n6.5,4.98,24\n"), false, false)
	f.Add([]byte("RM,LSTAT,MEDV\n6.5,4\"98,24\n"), false, false)
	f.Add([]byte("\uFEFFMEDV,LSTAT,RM\r\n1,2,3\r\n\r\n4,5,6"), false, false)
	f.Add([]byte("0,1,2\n3,4,5\n"), true, false)
	f.Add([]byte("a,b\nNaN,-inf\n1e400,0x1p-3\n"), false, true)
	f.Add([]byte(gz(f, "0,0,5,13,9,1,0,0,0\n0,0,0,12,13,5,0,0,1\n")), true, false)
	f.Fuzz(func(t *testing.T, in []byte, noHeader, allowNonFinite bool) {
		opts := data.CSVOptions{NoHeader: noHeader, AllowNonFinite: allowNonFinite}
		tab, err := data.ReadCSV(bytes.NewReader(in), opts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "data: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			var ce *data.CSVError
			if errors.As(err, &ce) && (ce.Line < 1 || ce.Column < 0) {
				t.Errorf("CSVError at line %d, column %d", ce.Line, ce.Column)
			}
			return
		}
		rows, cols := tab.Rows(), tab.Cols()
		if rows < 1 || cols < 1 || len(tab.Data()) != rows*cols {
			t.Fatalf("%d rows × %d columns, %d values", rows, cols, len(tab.Data()))
		}
		names := tab.Names()
		if noHeader != (names == nil) || (names != nil && len(names) != cols) {
			t.Fatalf("NoHeader %v: names %q for %d columns", noHeader, names, cols)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
			t.Errorf("repeated names in %q", names)
		}
		for i := range rows {
			if i > 0 && tab.Line(i) <= tab.Line(i-1) || tab.Line(i) < 1 {
				t.Errorf("row %d from line %d, after line %d", i, tab.Line(i), tab.Line(max(i-1, 0)))
			}
		}
		for k, v := range tab.Data() {
			if !allowNonFinite && (math.IsNaN(v) || math.IsInf(v, 0)) {
				t.Fatalf("value %d is %v, but non-finite values are refused", k, v)
			}
		}

		// Written out and read again, the values are the same.
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		rec := make([]string, cols)
		for i := range rows {
			for j, v := range tab.Row(i) {
				rec[j] = strconv.FormatFloat(v, 'g', -1, 64)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		again, err := data.ReadCSV(&b, data.CSVOptions{NoHeader: true, AllowNonFinite: allowNonFinite})
		if err != nil {
			t.Fatalf("reading the table back: %v", err)
		}
		if diff := cmp.Diff(tab.Data(), again.Data(), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("values read back (-first +again):\n%s", diff)
		}
	})
}
