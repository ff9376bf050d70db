package keepalive_test

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
// neither the package doc nor any exported declaration's doc points into
// a source file or names an unexported identifier of the package, which a
// reader of the godoc cannot see. The fixture sub-test proves the check
// fails on each of these.
func TestGodoc(t *testing.T) {
	dirs := []string{".", "keepalivedebug"}
	contrib, err := filepath.Glob("contrib/keepalive*")
	require.NoError(t, err)
	for _, dir := range contrib {
		if filepath.Base(dir) != "keepaliveexample" { // a program: nothing exported
			dirs = append(dirs, dir)
		}
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
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
			for _, p := range godocProblems(t, fset, files, dir) {
				t.Error(p)
			}
		})
	}
	t.Run("fixture", func(t *testing.T) {
		src := `// Package fixture is ready once setUp has run, after start().
//
// It parses with parse_v2 and never says which file holds what.
package fixture

// A is stored in a.go.
type A struct{}

// B is set to infinity, as gRPC does.
const B = infinity

// C calls ` + "`apply`" + `, then wrap(C), then nothing.String: all unexported.
// (The fixture.peer.round attribute names neither.)
func C() {}

// D names nothing unexported: it is weaker on the wrong platform, its
// peer counts the round; apply, wrap and start are words here.
func D() {}

// E is long,
` + strings.Repeat("// and longer,\n", 20) + `func E() {}

const infinity = 1

var nothing, weaker, platform, peer, counts, round int

func apply()    {}
func wrap()     {}
func setUp()    {}
func start()    {}
func parse_v2() {}
`
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "fixture.go", src, parser.ParseComments)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{
			"fixture: the package doc names the unexported parse_v2",
			"fixture: the package doc names the unexported setUp",
			"fixture: the package doc names the unexported start",
			"fixture: A: doc points into a source file: [a.go]",
			"fixture: B: doc names the unexported infinity",
			"fixture: C: doc names the unexported apply",
			"fixture: C: doc names the unexported nothing",
			"fixture: C: doc names the unexported wrap",
			"fixture: E: doc over 20 lines",
		}, godocProblems(t, fset, []*ast.File{f}, "fixture"))
	})
}

// godocProblems lists what TestGodoc finds wrong in the godoc of the
// package files make up, each line starting with dir.
func godocProblems(t *testing.T, fset *token.FileSet, files []*ast.File, dir string) []string {
	t.Helper()
	docs, unexported, pkgDoc := exportedDocs(t, fset, files, dir)
	var problems []string
	report := func(format string, args ...any) {
		problems = append(problems, dir+": "+fmt.Sprintf(format, args...))
	}
	if files := sourceFile.FindAllString(pkgDoc, -1); len(files) > 0 {
		report("the package doc points into a source file: %v", files)
	}
	for _, u := range slices.Sorted(maps.Keys(unexported)) {
		if mentions(pkgDoc, u) {
			report("the package doc names the unexported %s", u)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		text := docs[name]
		if strings.Count(text, "\n") > maxDocLines {
			report("%s: doc over %d lines", name, maxDocLines)
		}
		if files := sourceFile.FindAllString(text, -1); len(files) > 0 {
			report("%s: doc points into a source file: %v", name, files)
		}
		for _, u := range slices.Sorted(maps.Keys(unexported)) {
			if mentions(text, u) {
				report("%s: doc names the unexported %s", name, u)
			}
		}
	}
	return problems
}

// exportedDocs returns the docs of the exported declarations in files,
// by the name of what each documents, the package's unexported top-level
// names, and the package's doc, whatever the files' build tags.
func exportedDocs(t *testing.T, fset *token.FileSet, files []*ast.File, dir string) (docs map[string]string, unexported map[string]bool, pkgDoc string) {
	t.Helper()
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

// englishNames are unexported names, six letters or longer, that the
// docs use as the English words they also are ("returns nothing", "a
// weaker bound"); written as code (in backquotes, or followed by "(" or
// a selector) they still count.
var englishNames = map[string]bool{
	"connector": true, "counts": true, "dialed": true, "dialer": true, "nothing": true,
	"platform": true, "refusal": true, "release": true, "segments": true, "weaker": true,
}

// mentions reports whether text names the identifier id. A mixedCase id
// counts wherever it is a word of its own. An id all in lower case may
// also be an English word ("nothing", "round"): it counts where it is
// written as code (in backquotes, or followed by "(" or by "." and a
// letter, a call or a selector, unless itself after a "." as in
// network.peer.address), and as a plain word only where it cannot be
// English: it has a digit or an underscore, or it is six letters or
// longer and not one of englishNames. A short lower-case id written as a
// plain word ("round", "wrap") is taken for English: the price of a
// check that reads prose.
func mentions(text, id string) bool {
	isWord := func(r byte) bool {
		return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	plain := strings.ToLower(id) != id || strings.ContainsAny(id, "0123456789_") || len(id) >= 6 && !englishNames[id]
	for i := 0; ; i++ {
		j := strings.Index(text[i:], id)
		if j < 0 {
			return false
		}
		i += j
		end := i + len(id)
		if i > 0 && isWord(text[i-1]) || end < len(text) && isWord(text[end]) {
			continue // part of a longer word
		}
		if plain {
			return true
		}
		quoted := i > 0 && text[i-1] == '`' && end < len(text) && text[end] == '`'
		member := i > 0 && text[i-1] == '.' // network.peer.address: not id
		call := end < len(text) && text[end] == '('
		selector := end+1 < len(text) && text[end] == '.' && isWord(text[end+1])
		if quoted || !member && (call || selector) {
			return true
		}
	}
}
