package mime_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/mime"
	"github.com/concierge-cx/concierge/shared/mime/mimetest"
)

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.eml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures in %s: %v", fixtureDir, err)
	}
	corpus, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil || len(corpus) == 0 {
		f.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	files = append(files, corpus...)
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := mime.Parse(context.Background(), bytes.NewReader(raw), &mimetest.MemorySink{})
		if err != nil {
			t.Fatalf("malformed input must not fail: %v", err)
		}
		texts := []string{m.Subject, m.Text, m.FullText, m.From.Name, m.From.Email, m.MessageID, m.InReplyTo}
		for _, a := range append(append(append([]mime.Address{}, m.To...), m.Cc...), m.ReplyTo...) {
			texts = append(texts, a.Name, a.Email)
		}
		for _, a := range append(m.Attachments, m.Inline...) {
			texts = append(texts, a.Name, a.ContentType)
		}
		texts = append(append(texts, m.References...), m.Warnings...)
		for _, s := range texts {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in output: %q", s)
			}
		}
	})
}

func benchmarkParse(b *testing.B, size int) {
	raw := mimetest.Large(size)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := mime.Parse(context.Background(), bytes.NewReader(raw), mimetest.DiscardSink{})
		if err != nil || len(m.Attachments) != 1 {
			b.Fatalf("Parse: %v", err)
		}
	}
}

func BenchmarkParse100KB(b *testing.B) { benchmarkParse(b, 100<<10) }

func BenchmarkParse10MB(b *testing.B) { benchmarkParse(b, 10<<20) }
