package autograd_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestPanicsAreTyped fails when library code anywhere in the module panics
// with an untyped error (fmt.Errorf or errors.New), which callers cannot
// match with errors.As: panics carry a *tensor.ShapeError, an
// *autograd.UsageError or a package's own argument error type.
func TestPanicsAreTyped(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "panic" {
				return true
			}
			arg, ok := call.Args[0].(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := arg.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok {
					if name := pkg.Name + "." + sel.Sel.Name; name == "fmt.Errorf" || name == "errors.New" {
						t.Errorf("%s: panic(%s(...)): panic with a typed error instead", fset.Position(call.Pos()), name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("read only %d Go files under %s: is the walk broken?", files, root)
	}
}
