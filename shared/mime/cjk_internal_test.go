package mime

import "testing"

// Two GBK characters can be valid UTF-8 by accident: the declaration wins.
func TestShortGBKIsNotReadAsUTF8(t *testing.T) {
	h := &charsetHints{}
	got, _ := h.decodeText([]byte{0xd0, 0xbb, 0xd0, 0xbb}, "gbk")
	if got != "谢谢" {
		t.Fatalf("GBK 谢谢 read as %q", got)
	}
	// UTF-8 declared as Latin-1 is still recognised.
	if got, _ := h.decodeText([]byte("Chào shop"), "iso-8859-1"); got != "Chào shop" {
		t.Fatalf("UTF-8 declared Latin-1 read as %q", got)
	}
}
