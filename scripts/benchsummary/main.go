// Command benchsummary turns `go test -bench` output into the one-figure-per-
// line summary `make bench` ends with: "name: value unit", where the name is
// the benchmark's path (lower-cased, "/" as ".") plus the metric, e.g.
// "store.known_customer.requests_per_message: 3 requests/message".
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

var gomaxprocs = regexp.MustCompile(`-\d+$`)

func main() {
	lines, err := summarize(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsummary:", err)
		os.Exit(1)
	}
	if len(lines) == 0 {
		fmt.Fprintln(os.Stderr, "benchsummary: no benchmark results in the input")
		os.Exit(1)
	}
	fmt.Println("== summary ==")
	for _, l := range lines {
		fmt.Println(l)
	}
}

func summarize(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := strings.ToLower(strings.ReplaceAll(gomaxprocs.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), ""), "/", "."))
		for i := 2; i+1 < len(f); i += 2 {
			if _, err := strconv.ParseFloat(f[i], 64); err != nil {
				break
			}
			unit := f[i+1]
			metric := strings.ToLower(strings.NewReplacer("/", "_per_", "-", "_").Replace(unit))
			if unit == "ns/op" {
				metric = "ns_per_op"
			}
			out = append(out, fmt.Sprintf("%s.%s: %s %s", name, metric, f[i], unit))
		}
	}
	return out, sc.Err()
}
