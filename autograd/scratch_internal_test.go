package autograd

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestScratchHoldersAreReleased checks that the types with a
// releaseScratch method (the scratchHolders) are exactly the cases of the
// type switch by which pass.finish releases them: a holder missing there
// would keep its pooled buffers from the stash.
func TestScratchHoldersAreReleased(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var holders, cases []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil {
				continue
			}
			recv := baseTypeName(fn.Recv.List[0].Type)
			switch {
			case fn.Name.Name == "releaseScratch":
				holders = append(holders, recv)
			case fn.Name.Name == "finish" && recv == "pass":
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					if sw, ok := n.(*ast.TypeSwitchStmt); ok {
						for _, c := range sw.Body.List {
							for _, e := range c.(*ast.CaseClause).List {
								cases = append(cases, baseTypeName(e))
							}
						}
					}
					return true
				})
			}
		}
	}
	slices.Sort(holders)
	slices.Sort(cases)
	if len(holders) == 0 || !slices.Equal(holders, cases) {
		t.Errorf("types with releaseScratch %v, but pass.finish releases %v", holders, cases)
	}
}

// baseTypeName is the name of a type expression without pointer or type
// arguments: conv2DOp for *conv2DOp[T].
func baseTypeName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
