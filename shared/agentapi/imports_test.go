package agentapi_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The agent API, its in-memory storage and the feedback package depend on
// interfaces they declare; only the store speaks DynamoDB.
func TestNoDynamoDBOutsideTheStore(t *testing.T) {
	for _, dir := range []string{".", "memstore", "../feedback"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range ast.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/dynamodb") || strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/feature/dynamodb") {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
