package autograd_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// dotNode is one node statement of a DOT drawing: its label (with DOT's \n
// escape turned back into a newline) and its attributes.
type dotNode struct {
	Label string
	Attrs map[string]string
}

var (
	dotNodeRe = regexp.MustCompile(`^\t(n\d+) \[(.*)\];$`)
	dotAttrRe = regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)
	dotEdgeRe = regexp.MustCompile(`^\t(n\d+) -> (n\d+);$`)
)

// parseDOT returns the nodes (by id) and the edges ("n0->n2") of a drawing.
func parseDOT(t *testing.T, dot string) (map[string]dotNode, []string) {
	t.Helper()
	nodes := make(map[string]dotNode)
	var edges []string
	lines := strings.Split(strings.TrimSuffix(dot, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "digraph ") || lines[len(lines)-1] != "}" {
		t.Fatalf("not a digraph:\n%s", dot)
	}
	for _, line := range lines[1 : len(lines)-1] {
		if m := dotEdgeRe.FindStringSubmatch(line); m != nil {
			edges = append(edges, m[1]+"->"+m[2])
			continue
		}
		m := dotNodeRe.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unexpected line %q in:\n%s", line, dot)
		}
		n := dotNode{Attrs: map[string]string{}}
		for _, a := range dotAttrRe.FindAllStringSubmatch(m[2], -1) {
			v := strings.ReplaceAll(a[2], `\n`, "\n")
			if a[1] == "label" {
				n.Label = v
			} else {
				n.Attrs[a[1]] = v
			}
		}
		nodes[m[1]] = n
	}
	return nodes, edges
}

func TestWriteDOT(t *testing.T) {
	w := autograd.Param(t64([]float64{0.5, -1}, 2, 1)).SetName("w")
	b := autograd.Param(t64([]float64{0.1}, 1))
	x := autograd.Const(t64([]float64{1, 2, 3, 4}, 2, 2)).SetName("x")
	h := autograd.Add(autograd.MatMul(x, w), b).SetName("h")
	loss := autograd.Sum(autograd.Sigmoid(h))

	var sb strings.Builder
	if err := autograd.WriteDOT(&sb, loss); err != nil {
		t.Fatal(err)
	}
	dot := sb.String()
	if !strings.HasPrefix(dot, `digraph "adjoint" {`+"\n") {
		t.Errorf("drawing does not start with the digraph header:\n%s", dot)
	}
	nodes, edges := parseDOT(t, dot)
	box := map[string]string{"shape": "box"}
	param := map[string]string{"shape": "box", "style": "filled", "fillcolor": "lightblue"}
	op := map[string]string{"shape": "ellipse"}
	out := map[string]string{"shape": "ellipse", "peripheries": "2"}
	want := map[string]dotNode{
		"n0": {"x\n[2 2] float64", box},
		"n1": {"w\n[2 1] float64", param},
		"n2": {"MatMul\n[2 1] float64", op},
		"n3": {"param\n[1] float64", param},
		"n4": {"h = Add\n[2 1] float64", op},
		"n5": {"Sigmoid\n[2 1] float64", op},
		"n6": {"Sum\n[] float64", out},
	}
	if d := cmp.Diff(want, nodes); d != "" {
		t.Errorf("nodes (-want +got):\n%s\nin:\n%s", d, dot)
	}
	wantEdges := []string{"n0->n2", "n1->n2", "n2->n4", "n3->n4", "n4->n5", "n5->n6"}
	if d := cmp.Diff(wantEdges, edges); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}
	// Drawing is read-only: the graph can still be differentiated.
	loss.Backward()
	if w.Grad() == nil || b.Grad() == nil {
		t.Errorf("Backward after WriteDOT filled no gradient")
	}
}

func TestWriteDOTSeveralOutputsAndFloat32(t *testing.T) {
	p := autograd.Param(tensor.MustNew([]float32{1, 2}, 2))
	a := autograd.Square(p)
	s := autograd.Sum(a)
	var sb strings.Builder
	if err := autograd.WriteDOT(&sb, s, a); err != nil {
		t.Fatal(err)
	}
	nodes, edges := parseDOT(t, sb.String())
	want := map[string]dotNode{
		"n0": {"param\n[2] float32", map[string]string{"shape": "box", "style": "filled", "fillcolor": "lightblue"}},
		"n1": {"Square\n[2] float32", map[string]string{"shape": "ellipse", "peripheries": "2"}},
		"n2": {"Sum\n[] float32", map[string]string{"shape": "ellipse", "peripheries": "2"}},
	}
	if d := cmp.Diff(want, nodes); d != "" {
		t.Errorf("nodes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"n0->n1", "n1->n2"}, edges); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}
}

var errDiskFull = errors.New("disk full")

// failingWriter accepts ok bytes, then fails every write.
type failingWriter struct{ ok int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.ok {
		w.ok -= len(p)
		return len(p), nil
	}
	n := w.ok
	w.ok = 0
	return n, errDiskFull
}

func TestWriteDOTWriteError(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2}, 2))
	loss := autograd.Sum(autograd.Square(x))
	for _, ok := range []int{0, 10} {
		err := autograd.WriteDOT(&failingWriter{ok: ok}, loss)
		if !errors.Is(err, errDiskFull) {
			t.Errorf("after %d bytes: WriteDOT returned %v, want an error wrapping %v", ok, err, errDiskFull)
			continue
		}
		if !strings.HasPrefix(err.Error(), "autograd: WriteDOT: ") {
			t.Errorf("error %q should start with autograd: WriteDOT:", err)
		}
	}
}

// A nil output or writer panics with a *UsageError naming WriteDOT, as Grad
// does for a nil output (it was a raw nil dereference), before anything is
// written.
func TestWriteDOTNilArguments(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2}, 2))
	loss := autograd.Sum(autograd.Square(x))
	var sb strings.Builder
	checkUsagePanic(t, func() { _ = autograd.WriteDOT[float64](&sb, nil) }, "autograd: WriteDOT: output 0 is nil")
	checkUsagePanic(t, func() { _ = autograd.WriteDOT(&sb, loss, nil) }, "autograd: WriteDOT: output 1 is nil")
	checkUsagePanic(t, func() { _ = autograd.WriteDOT(nil, loss) }, "autograd: WriteDOT: nil writer")
	if sb.Len() != 0 {
		t.Errorf("WriteDOT wrote %q before panicking", sb.String())
	}
}
