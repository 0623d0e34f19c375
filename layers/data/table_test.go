package data_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestFromRows builds tables from memory and refuses ragged rows and bad
// names.
func TestFromRows(t *testing.T) {
	tab := mustTable(t, []string{"x", "y"}, []float64{1, 2}, []float64{3, 4})
	want := tableView{Names: []string{"x", "y"}, Rows: [][]float64{{1, 2}, {3, 4}}, Lines: []int{0, 0}}
	if diff := cmp.Diff(want, viewTable(tab)); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	empty := mustTable(t, []string{"a", "b", "c"})
	if empty.Rows() != 0 || empty.Cols() != 3 {
		t.Errorf("no rows: got %d×%d, want 0×3", empty.Rows(), empty.Cols())
	}

	for _, tt := range []struct {
		name  string
		names []string
		rows  [][]float64
		want  string
	}{
		{"ragged", nil, [][]float64{{1, 2}, {3}}, "row 1 has 1 values, row 0 has 2"},
		{"too few names", []string{"a"}, [][]float64{{1, 2}}, "1 names for 2 columns"},
		{"repeated name", []string{"a", "a"}, [][]float64{{1, 2}}, `column "a" appears twice`},
	} {
		if _, err := data.FromRows(tt.names, tt.rows); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// TestTableSelectTake selects columns by name and index and rows by index,
// keeping names and source lines with their rows.
func TestTableSelectTake(t *testing.T) {
	tab, err := data.ReadCSV(strings.NewReader("a,b,c\n1,2,3\n4,5,6\n\n7,8,9\n"), data.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  func() (*data.Table, error)
		want tableView
	}{
		{"Select by name", func() (*data.Table, error) { return tab.Select("c", "a") },
			tableView{Names: []string{"c", "a"}, Rows: [][]float64{{3, 1}, {6, 4}, {9, 7}}, Lines: []int{2, 3, 5}}},
		{"SelectIndex, negative from the end", func() (*data.Table, error) { return tab.SelectIndex(-1, 1) },
			tableView{Names: []string{"c", "b"}, Rows: [][]float64{{3, 2}, {6, 5}, {9, 8}}, Lines: []int{2, 3, 5}}},
		{"Take with a repeat", func() (*data.Table, error) { return tab.Take([]int{2, 0, 2}), nil },
			tableView{Names: []string{"a", "b", "c"}, Rows: [][]float64{{7, 8, 9}, {1, 2, 3}, {7, 8, 9}}, Lines: []int{5, 2, 5}}},
		{"Take nothing", func() (*data.Table, error) { return tab.Take(nil), nil },
			tableView{Names: []string{"a", "b", "c"}}},
	}
	for _, tt := range tests {
		got, err := tt.got()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, viewTable(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if diff := cmp.Diff([]float64{2, 5, 8}, tab.Column(1)); diff != "" {
		t.Errorf("Column(1) (-want +got):\n%s", diff)
	}
	if got := tab.At(1, 2); got != 6 {
		t.Errorf("At(1, 2) = %g, want 6", got)
	}
	if got, want := tab.ColumnIndex("b"), 1; got != want {
		t.Errorf("ColumnIndex(b) = %d, want %d", got, want)
	}
	if got := tab.ColumnIndex("z"); got != -1 {
		t.Errorf("ColumnIndex(z) = %d, want -1", got)
	}

	// Derived tables are copies.
	sel, _ := tab.Select("a")
	sel.Row(0)[0] = 100
	tab.Take([]int{0}).Row(0)[0] = 100
	if tab.At(0, 0) != 1 {
		t.Errorf("changing a derived table changed the original")
	}
	// Names returns a copy too.
	tab.Names()[0] = "changed"
	if tab.Names()[0] != "a" {
		t.Errorf("changing Names() changed the table")
	}

	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"Select unknown", second(tab.Select("a", "zz")), `no column "zz" among ["a" "b" "c"]`},
		{"Select without names", second(mustTable(t, nil, []float64{1}).Select("a")), "the table has no column names"},
		{"SelectIndex out of range", second(tab.SelectIndex(0, 3)), "column 3 out of range for a table of 3 columns"},
		{"SelectIndex too negative", second(tab.SelectIndex(-4)), "column -4 out of range"},
		{"SelectIndex twice", second(tab.SelectIndex(2, -1)), "column 2 selected twice"},
		{"Select twice", second(tab.Select("b", "b")), `column "b" selected twice`},
	} {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, tt.err, tt.want)
		}
	}
}

// second returns the error of a (value, error) pair.
func second[V any](_ V, err error) error { return err }

// TestTablePanics checks that index misuse panics with a *tensor.ShapeError
// of package data naming the operation.
func TestTablePanics(t *testing.T) {
	tab := mustTable(t, nil, []float64{1, 2}, []float64{3, 4})
	for _, tt := range []struct {
		op string
		f  func()
	}{
		{"Row", func() { tab.Row(2) }},
		{"Row", func() { tab.Row(-1) }},
		{"At", func() { tab.At(0, 2) }},
		{"At", func() { tab.At(2, 0) }},
		{"Line", func() { tab.Line(5) }},
		{"Column", func() { tab.Column(-1) }},
		{"Take", func() { tab.Take([]int{0, 2}) }},
	} {
		wantShapePanic(t, tt.op, tt.f)
	}
}

// TestLabels reads class labels from a column, checking that every value is
// an integer in range and naming the line and column of one that is not.
func TestLabels(t *testing.T) {
	tab, err := data.ReadCSV(strings.NewReader("p0,p1,label\n0.5,1,2\n0.25,0,0\n1,1,1\n"), data.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, labels, err := tab.FeaturesAndLabels(-1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2, 0, 1}, labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	want := tableView{Names: []string{"p0", "p1"}, Rows: [][]float64{{0.5, 1}, {0.25, 0}, {1, 1}}, Lines: []int{2, 3, 4}}
	if diff := cmp.Diff(want, viewTable(x)); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
	// The label in the middle.
	x, labels, err = tab.FeaturesAndLabels(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 0, 1}, labels); diff != "" {
		t.Errorf("labels of column 1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"p0", "label"}, x.Names()); diff != "" {
		t.Errorf("features of column 1 (-want +got):\n%s", diff)
	}

	memory := mustTable(t, nil, []float64{1, 0}, []float64{2, -1})
	for _, tt := range []struct {
		name    string
		tab     *data.Table
		col     int
		classes int
		want    string
		csvErr  bool
	}{
		{"fraction", tab, 0, 3, "data: line 2, column 1 (p0): 0.5 is not a class label in [0, 3)", true},
		{"too large", tab, 2, 2, "data: line 2, column 3 (label): 2 is not a class label in [0, 2)", true},
		{"negative, from memory", memory, -1, 5, "data: row 1, column 1: -1 is not a class label in [0, 5)", false},
		{"column out of range", tab, 3, 3, "column 3 out of range", false},
		{"no classes", tab, 2, 0, "0 classes", false},
	} {
		_, err := tt.tab.Labels(tt.col, tt.classes)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
		var ce *data.CSVError
		if errors.As(err, &ce) != tt.csvErr {
			t.Errorf("%s: errors.As(*CSVError) = %v, want %v", tt.name, !tt.csvErr, tt.csvErr)
		}
		if _, _, err2 := tt.tab.FeaturesAndLabels(tt.col, tt.classes); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("%s: FeaturesAndLabels error %v, Labels error %v", tt.name, err2, err)
		}
	}
}

// TestLabelsErrorPosition checks where a bad label is said to be: for a
// table read from CSV, the line and the field number of the input, however
// the columns were picked (CSVOptions.Columns, Select, FeaturesAndLabels,
// Take, a scaler's Transform), not the column's position in the table; for
// a table built in memory, 0-based row and column indices, as FromRows'
// own errors count rows.
func TestLabelsErrorPosition(t *testing.T) {
	const in = "a,b,y\n1,2,0\n3,4,7\n"
	full, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	onlyY, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{Columns: []string{"y"}})
	if err != nil {
		t.Fatal(err)
	}
	yFirst, err := full.Select("y", "a")
	if err != nil {
		t.Fatal(err)
	}
	noHeader, err := data.ReadCSV(strings.NewReader("1,2,0\n3,4,7\n"), data.CSVOptions{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	noHeaderY, err := noHeader.SelectIndex(2)
	if err != nil {
		t.Fatal(err)
	}
	features, _, err := yFirst.FeaturesAndLabels(1, 10) // drops a, keeps y
	if err != nil {
		t.Fatal(err)
	}
	std := data.FitStandardizer(yFirst) // y is {0, 7}: mean 3.5, std 3.5, so 7 comes back exactly
	scaled := std.InverseTransform(mustTransform(t, std, yFirst))
	wantY := &data.CSVError{Line: 3, Column: 3, Name: "y"}
	for _, tt := range []struct {
		name string
		tab  *data.Table
		col  int
		want *data.CSVError
	}{
		{"whole table", full, -1, wantY},
		{"CSVOptions.Columns", onlyY, 0, wantY},
		{"Select", yFirst, 0, wantY},
		{"Select, then FeaturesAndLabels", features, 0, wantY},
		{"Select, then Take", yFirst.Take([]int{1, 0}), 0, &data.CSVError{Line: 3, Column: 3, Name: "y"}},
		{"Select, then Transform", scaled, 0, wantY},
		{"NoHeader, SelectIndex", noHeaderY, 0, &data.CSVError{Line: 2, Column: 3}},
	} {
		_, err := tt.tab.Labels(tt.col, 3)
		var got *data.CSVError
		if !errors.As(err, &got) {
			t.Errorf("%s: got %v, want a *CSVError", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(data.CSVError{}, "Err")); diff != "" {
			t.Errorf("%s: %v (-want +got):\n%s", tt.name, err, diff)
		}
		if want := "7 is not a class label in [0, 3)"; got.Err == nil || got.Err.Error() != want {
			t.Errorf("%s: cause %v, want %q", tt.name, got.Err, want)
		}
	}

	memory := mustTable(t, []string{"a", "y"}, []float64{0, 0}, []float64{0, 1}, []float64{0, 9})
	memoryY, err := memory.Select("y")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		tab  *data.Table
		want string
	}{
		{"FromRows", memory, "data: row 2, column 1 (y): 9 is not a class label in [0, 3)"},
		{"FromRows, Select", memoryY, "data: row 2, column 0 (y): 9 is not a class label in [0, 3)"},
		{"FromRows, Take", memory.Take([]int{2}), "data: row 0, column 1 (y): 9 is not a class label in [0, 3)"},
	} {
		_, err := tt.tab.Labels(-1, 3)
		if err == nil {
			t.Errorf("%s: no error, want %q", tt.name, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestToTensor converts a table to a [rows, cols] tensor of either float
// type, NaN and ±Inf let into the table included.
func TestToTensor(t *testing.T) {
	inf := math.Inf(1)
	tab := mustTable(t, nil, []float64{1, 2, 3}, []float64{4, 5, 0.1}, []float64{math.NaN(), -inf, 1e-50})
	want := tensorView{Shape: []int{3, 3}, Data: []float64{1, 2, 3, 4, 5, 0.1, math.NaN(), -inf, 1e-50}}
	got, err := data.ToTensor[float64](tab)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, viewTensor(got), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("float64 (-want +got):\n%s", diff)
	}
	want.Data[5], want.Data[8] = float64(float32(0.1)), 0 // rounded, and below float32's smallest
	got32, err := data.ToTensor[float32](tab)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, viewTensor(got32), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("float32 (-want +got):\n%s", diff)
	}
}

// TestToTensorOverflow checks that a finite value too large for float32,
// which the conversion turned into ±Inf after ReadCSV refused infinite
// values, is an error that names its position: the line and field of the
// input for a table read from CSV, through Select too, and the row and
// column for one built in memory. float64 holds it.
func TestToTensorOverflow(t *testing.T) {
	tab, err := data.ReadCSV(strings.NewReader("a,b\n1,2\n3,-1e39\n"), data.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tab.Select("b")
	if err != nil {
		t.Fatal(err)
	}
	mem := mustTable(t, []string{"x", "y"}, []float64{1, 2}, []float64{3.5e38, 0})
	for _, tt := range []struct {
		name string
		tab  *data.Table
		want string
		ce   *data.CSVError
	}{
		{"CSV", tab, "data: line 3, column 2 (b): ToTensor: -1e+39 is too large for float32 (at most 3.4e+38)", &data.CSVError{Line: 3, Column: 2, Name: "b"}},
		{"CSV, Select", b, "data: line 3, column 2 (b): ToTensor: -1e+39 is too large for float32 (at most 3.4e+38)", &data.CSVError{Line: 3, Column: 2, Name: "b"}},
		{"in memory", mem, "data: row 1, column 0 (x): ToTensor: 3.5e+38 is too large for float32 (at most 3.4e+38)", nil},
	} {
		got, err := data.ToTensor[float32](tt.tab)
		if got != nil || err == nil || err.Error() != tt.want {
			t.Errorf("%s: ToTensor[float32] = %v, %v; want the error %s", tt.name, got, err, tt.want)
			continue
		}
		var ce *data.CSVError
		if errors.As(err, &ce) != (tt.ce != nil) || tt.ce != nil && (ce.Line != tt.ce.Line || ce.Column != tt.ce.Column || ce.Name != tt.ce.Name) {
			t.Errorf("%s: error %#v, want a *data.CSVError %+v", tt.name, ce, tt.ce)
		}
		if _, err := data.ToTensor[float64](tt.tab); err != nil {
			t.Errorf("%s: ToTensor[float64]: %v", tt.name, err)
		}
	}
}
