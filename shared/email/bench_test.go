package email_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/mime/mimetest"
)

// BenchmarkEmail runs the whole handler path on the emulators for a 100 KB
// and a 10 MB message (one PDF attachment filling it): fetch the raw mail
// from S3, parse, stream the attachment to S3, record the touchpoint in
// DynamoDB, publish the routing job. Uploading the raw mail (the S3 action's
// work) is outside the timer. peak-heap-MB is the most the live heap grew
// above its level before the message, sampled every 200µs.
func BenchmarkEmail(b *testing.B) {
	for _, size := range []struct {
		name  string
		bytes int
	}{{"100KB", 100 << 10}, {"10MB", 10 << 20}} {
		b.Run(size.name, func(b *testing.B) {
			s := newStack(b)
			raw := mimetest.Large(size.bytes)
			tmpl, tmplID := readEvent(b, "ses-05-attachments.json")
			var peak uint64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id := fmt.Sprintf("bench%s%08d", strings.ToLower(size.name), i)
				s.storeRaw(b, id, raw)
				ev := []byte(strings.ReplaceAll(string(tmpl), tmplID, id))
				runtime.GC()
				base := heapLive()
				stop := sampleHeap(&peak, base)
				b.StartTimer()
				if err := s.h.Handle(context.Background(), ev); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				stop()
				b.StartTimer()
			}
			b.StopTimer()
			tp := s.touchpoint(b, fmt.Sprintf("bench%s%08d", strings.ToLower(size.name), b.N-1))
			if len(tp.Attachments) != 1 || tp.Attachments[0].Name != mimetest.LargeAttachmentName {
				b.Fatalf("stored %+v", tp.Attachments)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/message")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peak)/float64(len(raw)), "peak-heap/message-size")
		})
	}
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

// heapLive reads the bytes of live and not yet swept heap objects without
// stopping the world (unlike runtime.ReadMemStats).
func heapLive() uint64 {
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

// sampleHeap records in peak the largest growth above base until stopped.
func sampleHeap(peak *uint64, base uint64) (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for !done.Load() {
			if h := heapLive(); h > base && h-base > *peak {
				*peak = h - base
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	return func() {
		done.Store(true)
		<-finished
	}
}
