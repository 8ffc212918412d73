package lambdahost

import (
	"bytes"
	"io"
	"sync"
)

// maxLine bounds how much of an unterminated line is held before it is written anyway.
const maxLine = 64 << 10

// syncWriter serialises whole lines from every process of a host onto one destination.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func newSyncWriter(w io.Writer) *syncWriter {
	if w == nil {
		w = io.Discard
	}
	return &syncWriter{w: w}
}

func (s *syncWriter) writeLine(prefix string, line []byte) {
	buf := make([]byte, 0, len(prefix)+len(line)+1)
	buf = append(buf, prefix...)
	buf = append(buf, line...)
	buf = append(buf, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.w.Write(buf)
}

// lineWriter prefixes each line a process writes with the function name, so the outputs of several
// functions sharing a terminal stay readable.
type lineWriter struct {
	dst    *syncWriter
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.dst.writeLine(l.prefix, bytes.TrimSuffix(l.buf[:i], []byte{'\r'}))
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) >= maxLine {
		l.dst.writeLine(l.prefix, l.buf)
		l.buf = nil
	}
	return len(b), nil
}

// flush writes a final line the process left unterminated.
func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.dst.writeLine(l.prefix, l.buf)
		l.buf = nil
	}
}
