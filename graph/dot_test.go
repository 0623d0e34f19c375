package graph

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// describeDiamond labels the diamond's nodes and gives a few attributes.
func describeDiamond(n string) Node {
	switch n {
	case "a":
		return Node{Label: "a", Attrs: map[string]string{"shape": "box"}}
	case "d":
		// Unsorted map literal on purpose; "label" must be ignored.
		return Node{Label: "d = b+c", Attrs: map[string]string{"style": "filled", "color": "red", "label": "ignored"}}
	}
	return Node{Label: n}
}

const diamondDOT = `digraph "diamond" {
	n0 [label="a", shape="box"];
	n1 [label="b"];
	n2 [label="c"];
	n3 [label="d = b+c", color="red", style="filled"];
	n0 -> n1;
	n0 -> n2;
	n1 -> n3;
	n2 -> n3;
}
`

func TestWriteDOT(t *testing.T) {
	tests := []struct {
		name     string
		graph    string
		g        adj
		roots    []string
		describe func(string) Node
		want     string
	}{
		{
			name: "diamond", graph: "diamond", g: diamond, roots: []string{"d"},
			describe: describeDiamond, want: diamondDOT,
		},
		{
			name: "duplicate input draws two edges", graph: "sq", g: adj{"y": {"x", "x"}}, roots: []string{"y"},
			describe: func(n string) Node { return Node{Label: n} },
			want: `digraph "sq" {
	n0 [label="x"];
	n1 [label="y"];
	n0 -> n1;
	n0 -> n1;
}
`,
		},
		{
			name: "nil describe uses fmt.Sprint", graph: "g", g: adj{"p": {"a"}}, roots: []string{"p", "q"},
			want: `digraph "g" {
	n0 [label="a"];
	n1 [label="p"];
	n2 [label="q"];
	n0 -> n1;
}
`,
		},
		{
			name: "empty graph", graph: "", g: adj{}, roots: nil,
			want: "digraph \"\" {\n}\n",
		},
		{
			name: "escaping of name, labels and attributes", graph: `my "graph"`, g: adj{"y": {"x"}}, roots: []string{"y"},
			describe: func(n string) Node {
				if n == "x" {
					return Node{Label: "say \"hi\"\nC:\\tmp\\", Attrs: map[string]string{"tooltip": "a\r\nb\"", "odd key": "v", "node": "k"}}
				}
				return Node{Label: `\n is not a newline`}
			},
			want: `digraph "my \"graph\"" {
	n0 [label="say \"hi\"\nC:\\tmp\\", "node"="k", "odd key"="v", tooltip="a\nb\""];
	n1 [label="\\n is not a newline"];
	n0 -> n1;
}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := make(map[string]int)
			inputs := func(n string) []string {
				calls[n]++
				return tt.g.inputs(n)
			}
			var b strings.Builder
			if err := WriteDOT(&b, tt.graph, tt.roots, inputs, tt.describe); err != nil {
				t.Fatalf("WriteDOT error: %v", err)
			}
			if got := b.String(); got != tt.want {
				t.Fatalf("WriteDOT output mismatch\ngot:\n%s\nwant:\n%s", got, tt.want)
			}
			for n, c := range calls {
				if c != 1 {
					t.Errorf("inputs(%q) called %d times, want 1", n, c)
				}
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{`trailing\`, `"trailing\\"`},
		{`\"`, `"\\\""`},
		{"l1\nl2", `"l1\nl2"`},
		{"crlf\r\nx", `"crlf\nx"`},
		{"cr\rx", `"cr\nx"`},
		{"\n\n", `"\n\n"`},
		{"ünïcode ✓", `"ünïcode ✓"`},
		{"nul\x00x", "\"nul\uFFFDx\""},
		{"bad\xffutf8\xc3", "\"bad\uFFFDutf8\uFFFD\""},
		// XML 1.0 forbids the noncharacters U+FFFE and U+FFFF and the
		// surrogates (invalid UTF-8 when encoded); their neighbours stay.
		{"\uFFFE\uFFFF", "\"\uFFFD\uFFFD\""},
		{"x\uFFFEy\uFFFFz", "\"x\uFFFDy\uFFFDz\""},
		{"\xed\xa0\x80\xed\xbf\xbf", "\"\uFFFD\""},
		{"\uFFFD\uFFFC\uF000\uEFFF\U0010FFFF\U0001FFFF", "\"\uFFFD\uFFFC\uF000\uEFFF\U0010FFFF\U0001FFFF\""},
		// Graphviz would read a reference, so it could pass a forbidden
		// character (&#1;, &#xFFFF;) into SVG.
		{"a&b", `"a&amp;b"`},
		{"&#1;&#xFFFF;&amp;&alpha;", `"&amp;#1;&amp;#xFFFF;&amp;amp;&amp;alpha;"`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAttrKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"shape", "shape"},
		{"_x9", "_x9"},
		{"fillcolor", "fillcolor"},
		{"9lives", `"9lives"`},
		{"with space", `"with space"`},
		{"a-b", `"a-b"`},
		{"", `""`},
		{"Graph", `"Graph"`},
		{`q"`, `"q\""`},
	}
	for _, tt := range tests {
		if got := attrKey(tt.in); got != tt.want {
			t.Errorf("attrKey(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

var errBroken = errors.New("broken pipe")

// failWriter accepts the first limit bytes and then fails, like a pipe whose
// reader went away part-way through.
type failWriter struct {
	limit   int
	written int
}

func (w *failWriter) Write(p []byte) (int, error) {
	if room := w.limit - w.written; len(p) > room {
		w.written += max(room, 0)
		return max(room, 0), errBroken
	}
	w.written += len(p)
	return len(p), nil
}

func TestWriteDOTWriteError(t *testing.T) {
	total := len(diamondDOT)
	for _, limit := range []int{0, 1, 10, total / 2, total - 1, total, total + 100} {
		w := &failWriter{limit: limit}
		err := WriteDOT(w, "diamond", []string{"d"}, diamond.inputs, describeDiamond)
		if limit >= total {
			if err != nil {
				t.Errorf("limit %d: unexpected error %v", limit, err)
			}
			if w.written != total {
				t.Errorf("limit %d: wrote %d bytes, want %d", limit, w.written, total)
			}
			continue
		}
		if err == nil {
			t.Fatalf("limit %d (of %d): WriteDOT returned nil error", limit, total)
		}
		if !errors.Is(err, errBroken) {
			t.Errorf("limit %d: error %v does not wrap the writer's error", limit, err)
		}
		if !strings.Contains(err.Error(), "graph: WriteDOT") {
			t.Errorf("limit %d: error %q lacks context", limit, err)
		}
	}
}

func TestWriteDOTLargeOutputError(t *testing.T) {
	// Output larger than any internal buffer, failing early: the first error
	// must still be reported and writing must stop.
	const n = 5000
	inputs := func(i int) []int {
		if i == 0 {
			return nil
		}
		return []int{i - 1}
	}
	described := 0
	describe := func(i int) Node {
		described++
		return Node{Label: fmt.Sprint("node ", i)}
	}
	w := &failWriter{limit: 100}
	err := WriteDOT(w, "chain", []int{n - 1}, inputs, describe)
	if !errors.Is(err, errBroken) {
		t.Fatalf("error = %v, want wrapping %v", err, errBroken)
	}
	if w.written > 100 {
		t.Fatalf("wrote %d bytes past a writer limited to 100", w.written)
	}
	if described >= n {
		t.Fatalf("describe called for all %d nodes; WriteDOT should stop at the first error", n)
	}
}

func TestWriteDOTCyclePanics(t *testing.T) {
	var b strings.Builder
	got := panicValue(func() {
		_ = WriteDOT(&b, "c", []string{"a"}, adj{"a": {"b"}, "b": {"a"}}.inputs, nil)
	})
	checkCycle(t, "WriteDOT", got, "a")
}

// TestQuoteControlCharacters: every C0 control character but tab and the
// line breaks becomes its Control Picture, so that no control byte reaches
// Graphviz (which passes them through into SVG, where XML forbids them).
func TestQuoteControlCharacters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\x01b", "\"a\u2401b\""},
		{"esc\x1b[0m", "\"esc\u241b[0m\""},
		{"\x1f", "\"\u241f\""},
		{"bell\a, backspace\b, vt\v, ff\f", "\"bell\u2407, backspace\u2408, vt\u240b, ff\u240c\""},
		{"tab\tkept", "\"tab\tkept\""},
		{"del\x7f kept", "\"del\x7f kept\""},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var all strings.Builder
	for c := range 0x20 {
		all.WriteByte(byte(c))
	}
	got := quote(all.String())
	want := "\"\uFFFD\u2401\u2402\u2403\u2404\u2405\u2406\u2407\u2408\t\\n\u240b\u240c\\n\u240e\u240f" +
		"\u2410\u2411\u2412\u2413\u2414\u2415\u2416\u2417\u2418\u2419\u241a\u241b\u241c\u241d\u241e\u241f\""
	if got != want {
		t.Errorf("quote(bytes 0x00 to 0x1f) = %q, want %q", got, want)
	}
}

// TestWriteDOTForbiddenCharactersRenderAsXML renders a graph whose labels,
// attribute values and name hold every character XML 1.0 forbids (every
// control character but tab and the line breaks, U+FFFE, U+FFFF, an
// encoded surrogate) and references to them, with Graphviz, when it is
// installed, and parses the SVG as XML.
func TestWriteDOTForbiddenCharactersRenderAsXML(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz dot is not installed")
	}
	var ctl strings.Builder
	for c := range 0x20 {
		ctl.WriteByte(byte(c))
	}
	ctl.WriteString("\uFFFE\uFFFF\xed\xa0\x80&#1;&#xFFFF;&#xD800;&foo;")
	var sb strings.Builder
	err = WriteDOT(&sb, "g"+ctl.String(), []string{"a"}, func(string) []string { return nil },
		func(n string) Node {
			return Node{Label: n + ctl.String(), Attrs: map[string]string{"tooltip": ctl.String()}}
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sb.String() {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF {
			t.Fatalf("DOT output holds the character %U:\n%q", r, sb.String())
		}
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(sb.String())
	svg, err := cmd.Output()
	if err != nil {
		t.Fatalf("dot -Tsvg: %v\n%s", err, sb.String())
	}
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
		}
	}
}
