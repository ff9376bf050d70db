package keepalive_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxDocLines is the most lines an exported declaration's doc may take:
// the contract, in a few lines; lore and figures belong in docs/.
const maxDocLines = 20

// sourceFile matches a doc that points into a source file.
var sourceFile = regexp.MustCompile(`\b[\w-]+\.go\b`)

// TestGodoc: the godoc of this package, keepalivedebug and the contrib
// modules reads as
// Go's own: no exported declaration's doc over maxDocLines lines, and
// none that points into a source file or names an unexported
// identifier of the package, which a reader of the godoc cannot see.
func TestGodoc(t *testing.T) {
	dirs := []string{".", "keepalivedebug"}
	contrib, err := filepath.Glob("contrib/keepalive*")
	require.NoError(t, err)
	for _, dir := range contrib {
		if dir != "contrib/keepaliveexample" { // a program: nothing exported
			dirs = append(dirs, dir)
		}
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			docs, unexported, pkgDoc := exportedDocs(t, dir)
			assert.Empty(t, sourceFile.FindAllString(pkgDoc, -1), "the package doc points into a source file")
			for name, text := range docs {
				assert.LessOrEqual(t, strings.Count(text, "\n"), maxDocLines, "%s: doc over %d lines", name, maxDocLines)
				assert.Empty(t, sourceFile.FindAllString(text, -1), "%s: doc points into a source file", name)
				for u := range unexported {
					if mentions(text, u) {
						t.Errorf("%s: doc names the unexported %s", name, u)
					}
				}
			}
		})
	}
}

// exportedDocs returns the docs of dir's exported declarations, by the
// name of what each documents, the package's unexported top-level names,
// and the package's doc, from every non-test file whatever its build
// tags.
func exportedDocs(t *testing.T, dir string) (docs map[string]string, unexported map[string]bool, pkgDoc string) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files, "Go files in %s", dir)
	p, err := doc.NewFromFiles(fset, files, "example.com/"+dir, doc.AllDecls)
	require.NoError(t, err)

	docs, unexported = map[string]string{}, map[string]bool{}
	add := func(name, text string) {
		if ast.IsExported(strings.TrimPrefix(name[strings.LastIndex(name, ".")+1:], "*")) {
			docs[name] = text
		} else {
			unexported[name] = true
		}
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, n := range v.Names {
				add(n, v.Doc)
			}
		}
	}
	values(p.Consts)
	values(p.Vars)
	for _, f := range p.Funcs {
		add(f.Name, f.Doc)
	}
	for _, ty := range p.Types {
		add(ty.Name, ty.Doc)
		for _, spec := range ty.Decl.Specs {
			st, ok := spec.(*ast.TypeSpec).Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					add(ty.Name+"."+n.Name, f.Doc.Text()+f.Comment.Text())
				}
			}
		}
		values(ty.Consts)
		values(ty.Vars)
		for _, f := range ty.Funcs {
			add(f.Name, f.Doc)
		}
		for _, m := range ty.Methods {
			if ast.IsExported(ty.Name) {
				add(ty.Name+"."+m.Name, m.Doc)
			}
		}
	}
	return docs, unexported, p.Doc
}

// mentions reports whether text names the identifier id as a word of
// its own; only a mixedCase id counts, not one that is also an English
// word ("nothing", "weaker").
func mentions(text, id string) bool {
	if strings.ToLower(id) == id {
		return false
	}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		if w == id {
			return true
		}
	}
	return false
}
