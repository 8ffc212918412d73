package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestCommittedCorpusMatchesGenerator(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "corpus")
	files, manifest := build()
	files["manifest.json"] = manifest
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v (run: go run ./shared/mime/internal/gencorpus)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output; regenerate the corpus", name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := files[e.Name()]; !ok {
			t.Errorf("%s is in the corpus directory but not made by the generator", e.Name())
		}
	}
}
