package mail

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

func deep(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@b.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nhello\r\n", n)
	for i := n; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

func TestExpDeep(t *testing.T) {
	raw := deep(4000)
	start := time.Now()
	m, err := Parse(context.Background(), bytes.NewReader(raw), nil)
	fmt.Println(len(raw), time.Since(start), err, m.Text, m.Warnings)
}
