package store_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// speaksDynamoDB are the only packages of shared/ and functions/ that may
// import the DynamoDB SDK: the store, its table definition, the client
// builder, the request meter and the emulator test harness. Routing, the
// agent API, feedback, ingest and the rest depend on interfaces they declare.
var speaksDynamoDB = map[string]bool{
	"shared/store": true, "shared/store/table": true, "shared/awsclient/ddbclient": true,
	"shared/ddbmeter": true, "shared/testenv": true,
}

func TestOnlyTheStoreAndAWSAdaptersImportDynamoDB(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, top := range []string{"shared", "functions"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			checked++
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.Contains(p, "aws-sdk-go-v2/service/dynamodb") || strings.Contains(p, "aws-sdk-go-v2/feature/dynamodb") {
					if !speaksDynamoDB[filepath.ToSlash(rel)] {
						t.Errorf("%s imports %s: only the store and the AWS adapters may", path, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d files: the walk did not find the tree", checked)
	}
}
