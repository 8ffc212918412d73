package testenv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A Figure is one cost figure written in the documentation, named as
// `make bench` names it ("store.known_customer.requests_per_message").
type Figure struct {
	Name  string
	Value float64
	Where string // file:line, for the failure message
}

// CostDocs are the documents whose cost figures must match what the
// benchmarks measure, relative to the module root.
var CostDocs = []string{"README.md", "docs/table-design.md"}

var (
	// store.known_customer.requests_per_message: 3.000 requests/message
	summaryLine = regexp.MustCompile(`^([a-z0-9_]+(?:\.[a-z0-9_]+)+)\.(requests_per_message|wru_per_message): ([0-9.]+) (?:requests|wru)/message$`)
	// | known customer, open conversation (`store.known_customer`) | 3 (BatchGetItem, …) | 6 |
	tableRow = regexp.MustCompile("^\\|[^|]*`([a-z0-9_]+\\.[a-z0-9_]+)`[^|]*\\|\\s*([0-9.]+)[^|]*\\|\\s*([0-9.]+)\\s*\\|$")
	// README's brief: "A message from a known customer costs 3 requests and 6 write units; a retry costs 2
	// reads and nothing written." (the sentence may be wrapped, so it is matched on the joined text).
	knownCustomerProse = regexp.MustCompile(`known customer costs ([0-9.]+) requests and ([0-9.]+) write units; a retry costs ([0-9.]+) reads and nothing written`)
)

// DocumentedCosts reads every exact cost figure (requests and write units
// per message) from CostDocs: the `name: value unit` summary lines, the rows
// of the cost tables (a row names its benchmark case in backquotes, its
// second column is requests and its third write units) and the README's
// sentence on a known customer's message. It fails tb if a document cannot
// be read or holds no figure at all.
func DocumentedCosts(tb testing.TB) []Figure {
	tb.Helper()
	root, err := moduleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	var out []Figure
	for _, doc := range CostDocs {
		f, err := os.Open(filepath.Join(root, doc))
		if err != nil {
			tb.Fatal(err)
		}
		var joined strings.Builder
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			joined.WriteString(line + " ")
			where := fmt.Sprintf("%s:%d", doc, n)
			if m := summaryLine.FindStringSubmatch(line); m != nil {
				out = append(out, figure(tb, m[1]+"."+m[2], m[3], where))
			}
			if m := tableRow.FindStringSubmatch(line); m != nil {
				out = append(out, figure(tb, m[1]+".requests_per_message", m[2], where), figure(tb, m[1]+".wru_per_message", m[3], where))
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
		if m := knownCustomerProse.FindStringSubmatch(joined.String()); m != nil {
			where := doc + " (the known customer's sentence)"
			out = append(out, figure(tb, "store.known_customer.requests_per_message", m[1], where),
				figure(tb, "store.known_customer.wru_per_message", m[2], where),
				figure(tb, "store.duplicate.requests_per_message", m[3], where),
				figure(tb, "store.duplicate.wru_per_message", "0", where))
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no cost figures found in %v", CostDocs)
	}
	return out
}

func figure(tb testing.TB, name, value, where string) Figure {
	tb.Helper()
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		tb.Fatalf("%s: figure %s = %q: %v", where, name, value, err)
	}
	return Figure{Name: name, Value: v, Where: where}
}

// CheckCosts compares what a benchmark's cases measured (figure name →
// value) with every documented figure under prefix ("store."): a documented
// figure that differs, or names a case that was not measured, fails tb, and
// so does a measured figure that no document states.
func CheckCosts(tb testing.TB, prefix string, measured map[string]float64) {
	tb.Helper()
	stated := map[string]bool{}
	for _, f := range DocumentedCosts(tb) {
		if !strings.HasPrefix(f.Name, prefix) {
			continue
		}
		got, ok := measured[f.Name]
		switch {
		case !ok:
			tb.Errorf("%s states %s = %g, but no benchmark case measures it", f.Where, f.Name, f.Value)
		case got != f.Value:
			tb.Errorf("%s states %s = %g, `make bench` measures %g: update the document", f.Where, f.Name, f.Value, got)
		}
		stated[f.Name] = true
	}
	for name, v := range measured {
		if !stated[name] {
			tb.Errorf("%s = %g is measured but stated in none of %v", name, v, CostDocs)
		}
	}
}

// moduleRoot is the nearest directory above the working directory (a test's
// package directory) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
