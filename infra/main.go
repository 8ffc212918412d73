// Command infra is Concierge's CDK app: `cdk synth` / `cdk deploy` run it
// (see cdk.json and mk/infra.mk). The stack itself is in package stack.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/concierge-cx/concierge/infra/stack"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	cfg, err := stack.ConfigFromContext(app.Node(), stack.SettingNames())
	var st *stack.Stack
	if err == nil {
		st, err = stack.New(app, cfg)
	}
	if err == nil {
		for _, n := range st.Notes {
			fmt.Fprintln(os.Stderr, "infra:", n)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	stack.Check(app)
	app.Synth(nil)
}
