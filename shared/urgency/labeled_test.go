package urgency

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
)

// labeled is one hand-written message of testdata/labeled.jsonl: whether a
// supervisor wants it treated as urgent, and why (its category; "none" for
// messages that are not urgent). Batch says when it was written (see
// testdata/README.md): each batch was scored once before the lexicon was
// tuned on it.
type labeled struct {
	Text     string `json:"text"`
	Urgent   bool   `json:"urgent"`
	Category string `json:"category"`
	Batch    int    `json:"batch"`
}

func loadLabeled(t testing.TB) []labeled {
	t.Helper()
	f, err := os.Open("testdata/labeled.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labeled
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		var l labeled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("labeled.jsonl line %d: %v", n+1, err)
		}
		if strings.TrimSpace(l.Text) == "" || l.Urgent == (l.Category == "none") || l.Batch < 1 {
			t.Fatalf("labeled.jsonl line %d: an urgent message needs a category, another one \"none\", and each a batch: %+v", n+1, l)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// evaluation counts what the scorer calls urgent against the labels.
type evaluation struct {
	tp, fp, fn                int
	byCategory, hitByCategory map[string]int
	misses, falseAlarms       []string
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (e evaluation) recall() float64    { return ratio(e.tp, e.tp+e.fn) }
func (e evaluation) precision() float64 { return ratio(e.tp, e.tp+e.fp) }

func (e evaluation) categories() []string {
	var out []string
	for c := range e.byCategory {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func evaluate(s *Scorer, set []labeled) evaluation {
	e := evaluation{byCategory: map[string]int{}, hitByCategory: map[string]int{}}
	for _, l := range set {
		r := s.Score(Signals{Text: l.Text})
		got := r.Priority == domain.PriorityUrgent
		if l.Urgent {
			e.byCategory[l.Category]++
		}
		switch {
		case got && l.Urgent:
			e.tp++
			e.hitByCategory[l.Category]++
		case got:
			e.fp++
			e.falseAlarms = append(e.falseAlarms, fmt.Sprintf("%q score %d %v", l.Text, r.Score, r.Reasons))
		case l.Urgent:
			e.fn++
			e.misses = append(e.misses, fmt.Sprintf("[%s] %q score %d %v", l.Category, l.Text, r.Score, r.Reasons))
		}
	}
	return e
}

// TestLabeledSet holds the default configuration to the bar on the
// hand-written messages. The lexicon has been tuned on all of them, so these
// are in-sample figures; testdata/README.md records how each batch scored
// before it was tuned on.
func TestLabeledSet(t *testing.T) {
	set := loadLabeled(t)
	urgent := 0
	for _, l := range set {
		if l.Urgent {
			urgent++
		}
	}
	if len(set) < 300 || urgent < 100 || len(set)-urgent < 100 {
		t.Fatalf("labeled set has %d messages, %d urgent: too small to measure", len(set), urgent)
	}
	e := evaluate(scorer(t), set)
	for _, m := range e.misses {
		t.Logf("missed: %s", m)
	}
	for _, m := range e.falseAlarms {
		t.Logf("false alarm: %s", m)
	}
	for _, c := range e.categories() {
		t.Logf("recall %-9s %.3f (%d/%d)", c, ratio(e.hitByCategory[c], e.byCategory[c]), e.hitByCategory[c], e.byCategory[c])
	}
	t.Logf("recall %.3f precision %.3f", e.recall(), e.precision())
	if e.recall() < 0.95 || e.precision() < 0.90 {
		t.Errorf("recall %.3f (want ≥ 0.95), precision %.3f (want ≥ 0.90)", e.recall(), e.precision())
	}
}

// BenchmarkUrgency scores the labeled set; make bench prints its recall and
// precision (urgency.recall, urgency.precision, urgency.recall.<category>).
func BenchmarkUrgency(b *testing.B) {
	set := loadLabeled(b)
	s := scorer(b)
	var e evaluation
	b.ReportAllocs()
	for b.Loop() {
		e = evaluate(s, set)
	}
	b.ReportMetric(e.recall(), "recall")
	b.ReportMetric(e.precision(), "precision")
	for _, c := range e.categories() {
		b.ReportMetric(ratio(e.hitByCategory[c], e.byCategory[c]), "recall."+c)
	}
}
