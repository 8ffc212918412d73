// Package mimetest provides attachment sinks and generated messages for
// tests and benchmarks of package mime.
package mimetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/mime"
)

// MemorySink keeps stored parts in memory, keyed by their URL
// "mem://<sha256>", the way an S3 sink keys objects by content.
type MemorySink struct {
	mu    sync.Mutex
	Files map[string][]byte
	Parts []mime.PartInfo
}

func (s *MemorySink) Store(ctx context.Context, part mime.PartInfo, r io.Reader) (domain.Attachment, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return domain.Attachment{}, err
	}
	url := "mem://" + part.SHA256
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Files == nil {
		s.Files = map[string][]byte{}
	}
	s.Files[url] = b
	s.Parts = append(s.Parts, part)
	return domain.Attachment{URL: url}, nil
}

// DiscardSink reads and drops every part, for benchmarks.
type DiscardSink struct{}

func (DiscardSink) Store(ctx context.Context, part mime.PartInfo, r io.Reader) (domain.Attachment, error) {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return domain.Attachment{}, err
	}
	return domain.Attachment{URL: fmt.Sprintf("discard://%s/%d", part.SHA256, n)}, nil
}

// LargeAttachmentName is the file name of the attachment in Large messages.
const LargeAttachmentName = "Báo cáo doanh thu Q3.pdf"

// Large returns a realistic message of about size bytes: a Vietnamese
// text/plain and text/html body and one base64 PDF attachment filling the
// rest. The content is deterministic, so digests are stable across runs.
func Large(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString("Return-Path: <lan.nguyen@example.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Date: Mon, 18 Nov 2024 09:00:00 +0700\r\n" +
		"Message-ID: <large-report@mail.example.com>\r\n" +
		"Subject: =?UTF-8?Q?B=C3=A1o_c=C3=A1o_doanh_thu_Q3?=\r\n" +
		"From: =?UTF-8?Q?Nguy=E1=BB=85n_Th=E1=BB=8B_Lan?= <lan.nguyen@example.com>\r\n" +
		"To: support@concierge.example.com\r\n" +
		"Content-Type: multipart/mixed; boundary=\"large-mixed\"\r\n\r\n" +
		"--large-mixed\r\n" +
		"Content-Type: multipart/alternative; boundary=\"large-alt\"\r\n\r\n" +
		"--large-alt\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" +
		"Chào anh/chị,\r\n\r\nEm gửi báo cáo doanh thu quý 3 đính kèm. Nhờ anh/chị kiểm tra giúp em.\r\n\r\nLan\r\n" +
		"--large-alt\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" +
		"<div>Chào anh/chị,</div><div><br></div><div>Em gửi báo cáo doanh thu quý 3 đính kèm. " +
		"Nhờ anh/chị kiểm tra giúp em.</div><div><br></div><div>Lan</div>\r\n" +
		"--large-alt--\r\n\r\n" +
		"--large-mixed\r\n" +
		"Content-Type: application/pdf; name=\"=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(LargeAttachmentName)) + "?=\"\r\n" +
		"Content-Disposition: attachment; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20doanh%20thu%20Q3.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	const tail = "\r\n--large-mixed--\r\n"
	// base64 with CRLF every 76 characters turns 57 bytes into 78.
	raw := (size - b.Len() - len(tail)) / 78 * 57
	if raw < 57 {
		raw = 57
	}
	data := make([]byte, raw)
	copy(data, "%PDF-1.7\n")
	rng := rand.New(rand.NewChaCha8([32]byte{'c', 'o', 'n', 'c', 'i', 'e', 'r', 'g', 'e'}))
	for i := 9; i < len(data); i++ {
		data[i] = byte(rng.Uint32())
	}
	line := make([]byte, base64.StdEncoding.EncodedLen(57))
	for i := 0; i < len(data); i += 57 {
		chunk := data[i:min(i+57, len(data))]
		n := base64.StdEncoding.EncodedLen(len(chunk))
		base64.StdEncoding.Encode(line[:n], chunk)
		b.Write(line[:n])
		b.WriteString("\r\n")
	}
	b.WriteString(tail[2:])
	return b.Bytes()
}
