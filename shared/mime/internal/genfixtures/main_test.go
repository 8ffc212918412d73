package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

func TestCommittedFixturesMatchGenerator(t *testing.T) {
	for name, want := range fixtures() {
		got, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "events", "email", name))
		if err != nil {
			t.Fatalf("%s: %v (run: go run ./shared/mime/internal/genfixtures -dir events/email)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output; regenerate it", name)
		}
	}
}

func TestEncode1258RoundTrips(t *testing.T) {
	for _, s := range []string{"Nguyễn Thị Lan", "Hỏi về bảo hành máy lọc nước", "Đơn hàng bị giao thiếu", "ệ ễ ậ ữ ờ"} {
		dec, err := charmap.Windows1258.NewDecoder().Bytes(encode1258(s))
		if err != nil {
			t.Fatal(err)
		}
		if got := norm.NFC.String(string(dec)); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}
