package main

import (
	"strings"
	"testing"
)

func TestSummarizeNamesEachFigure(t *testing.T) {
	in := `goos: linux
BenchmarkStore/known_customer-2   	     200	   8226405 ns/op	         3.000 requests/message	         6.000 wru/message
BenchmarkScore-2   	  100000	      1500 ns/op	     320 B/op	       4 allocs/op
PASS`
	got, err := summarize(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"store.known_customer.ns_per_op: 8226405 ns/op",
		"store.known_customer.requests_per_message: 3.000 requests/message",
		"store.known_customer.wru_per_message: 6.000 wru/message",
		"score.ns_per_op: 1500 ns/op",
		"score.b_per_op: 320 B/op",
		"score.allocs_per_op: 4 allocs/op",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
