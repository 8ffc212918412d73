package mime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/mime"
	"github.com/concierge-cx/concierge/shared/mime/mimetest"
)

const corpusDir = "testdata/corpus"

// corpusEntry mirrors gencorpus.Expect.
type corpusEntry struct {
	File            string   `json:"file"`
	Class           string   `json:"class"`
	From            string   `json:"from"`
	Subject         string   `json:"subject"`
	BodyStart       string   `json:"bodyStart"`
	BodyNot         string   `json:"bodyNot"`
	Attachments     []string `json:"attachments"`
	AttachmentCount int      `json:"attachmentCount"`
	Warning         string   `json:"warning"`
	NoWarnings      bool     `json:"noWarnings"`
}

func loadCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []corpusEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	return entries
}

// parseBudget is the time any one message may take to parse.
const parseBudget = time.Second

// checkCorpusEntry parses one message under a deadline and lists every
// field that differs from the manifest.
func checkCorpusEntry(t testing.TB, e corpusEntry) (problems []string, took time.Duration) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, e.File))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		m   *mime.Message
		err error
		pan any
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{pan: p}
			}
		}()
		m, err := mime.Parse(context.Background(), bytes.NewReader(raw), &mimetest.MemorySink{})
		done <- result{m: m, err: err}
	}()
	var r result
	select {
	case r = <-done:
		took = time.Since(start)
	case <-time.After(parseBudget):
		return []string{fmt.Sprintf("not parsed within %v", parseBudget)}, parseBudget
	}
	if r.pan != nil {
		return []string{fmt.Sprintf("panic: %v", r.pan)}, took
	}
	if r.err != nil {
		return []string{fmt.Sprintf("error: %v", r.err)}, took
	}
	m := r.m
	if m.From.Email != e.From {
		problems = append(problems, fmt.Sprintf("from %q, want %q", m.From.Email, e.From))
	}
	if m.Subject != e.Subject {
		problems = append(problems, fmt.Sprintf("subject %q, want %q", m.Subject, e.Subject))
	}
	if !strings.HasPrefix(m.Text, e.BodyStart) {
		problems = append(problems, fmt.Sprintf("text %q, want it to start with %q", truncateText(m.Text), e.BodyStart))
	}
	if e.BodyNot != "" && strings.Contains(m.Text, e.BodyNot) {
		problems = append(problems, fmt.Sprintf("text %q contains %q", truncateText(m.Text), e.BodyNot))
	}
	var names []string
	for _, a := range slices.Concat(m.Attachments, m.Inline) {
		names = append(names, a.Name)
	}
	if e.AttachmentCount > 0 {
		if len(names) != e.AttachmentCount {
			problems = append(problems, fmt.Sprintf("%d attachments, want %d", len(names), e.AttachmentCount))
		}
	} else if !slices.Equal(names, e.Attachments) && !(len(names) == 0 && len(e.Attachments) == 0) {
		problems = append(problems, fmt.Sprintf("attachments %q, want %q", names, e.Attachments))
	}
	if e.Warning != "" && !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, e.Warning) }) {
		problems = append(problems, fmt.Sprintf("no warning %q in %q", e.Warning, m.Warnings))
	}
	if e.NoWarnings && len(m.Warnings) > 0 {
		problems = append(problems, fmt.Sprintf("unexpected warnings %q", m.Warnings))
	}
	return problems, took
}

func truncateText(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// TestCorpus parses every corpus message: none may panic, fail or take a
// second; at least 95% must match the manifest in every field, and each
// miss is listed.
func TestCorpus(t *testing.T) {
	entries := loadCorpus(t)
	if len(entries) < 60 {
		t.Fatalf("corpus has %d messages, want at least 60", len(entries))
	}
	ok := 0
	var slowest time.Duration
	var slowestFile string
	for _, e := range entries {
		problems, took := checkCorpusEntry(t, e)
		if took > slowest {
			slowest, slowestFile = took, e.File
		}
		for _, p := range problems {
			if strings.HasPrefix(p, "panic") || strings.HasPrefix(p, "error") || strings.HasPrefix(p, "not parsed") {
				t.Errorf("%s: %s", e.File, p)
			}
		}
		if took >= parseBudget {
			t.Errorf("%s: parsed in %v", e.File, took)
		}
		if len(problems) == 0 {
			ok++
		} else {
			t.Logf("MISS %s (%s): %s", e.File, e.Class, strings.Join(problems, "; "))
		}
	}
	score := float64(ok) / float64(len(entries))
	t.Logf("corpus: %d of %d messages fully as expected (%.3f); slowest %s in %v", ok, len(entries), score, slowestFile, slowest)
	fmt.Printf("mail corpus accuracy: %d/%d = %.3f\n", ok, len(entries), score)
	if score < 0.95 {
		t.Errorf("corpus accuracy %.3f, want at least 0.95", score)
	}
}

// TestDeepTreeWithinASecond is the hostile case on its own: 4,000 nested
// multiparts, parsed well within a second, with a warning.
func TestDeepTreeWithinASecond(t *testing.T) {
	problems, took := checkCorpusEntry(t, corpusEntry{File: "x01-mime-4000-deep.eml", From: "attacker@example.net", Subject: "deep", Warning: "MIME tree deeper than 32 levels"})
	if len(problems) > 0 {
		t.Errorf("deep tree: %s", strings.Join(problems, "; "))
	}
	t.Logf("4,000-deep tree parsed in %v", took)
}

// BenchmarkMail reports the share of the corpus parsed exactly as the
// manifest says ("mail.corpus_accuracy" in make bench), the time the
// 4,000-deep tree takes and the slowest message's time.
func BenchmarkMail(b *testing.B) {
	entries := loadCorpus(b)
	var ok int
	var deep, slowest time.Duration
	for b.Loop() {
		ok = 0
		for _, e := range entries {
			problems, took := checkCorpusEntry(b, e)
			if len(problems) == 0 {
				ok++
			}
			slowest = max(slowest, took)
			if e.File == "x01-mime-4000-deep.eml" {
				deep = max(deep, took)
			}
		}
	}
	b.ReportMetric(float64(ok)/float64(len(entries)), "corpus_accuracy")
	b.ReportMetric(float64(len(entries)), "corpus_messages")
	b.ReportMetric(float64(deep.Microseconds())/1000, "deep_tree_ms")
	b.ReportMetric(float64(slowest.Microseconds())/1000, "slowest_message_ms")
}
