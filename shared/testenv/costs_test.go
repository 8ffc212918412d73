package testenv

import (
	"strings"
	"testing"
)

// Every kind of place a cost figure is written is read: the summary lines,
// the table rows and the README's sentence.
func TestDocumentedCostsReadsEveryPlace(t *testing.T) {
	figures := DocumentedCosts(t)
	for _, want := range []struct{ where, name string }{
		{"README.md:", "store.known_customer.wru_per_message"},                                // summary line
		{"README.md (the known customer's sentence)", "store.duplicate.requests_per_message"}, // sentence
		{"docs/table-design.md:", "store.new_customer.requests_per_message"},                  // table row
		{"docs/table-design.md:", "routing.new_conversation.wru_per_message"},                 // table row
	} {
		found := false
		for _, f := range figures {
			found = found || strings.HasPrefix(f.Where, want.where) && f.Name == want.name
		}
		if !found {
			t.Errorf("%s in %s not read; read %+v", want.name, want.where, figures)
		}
	}
}
