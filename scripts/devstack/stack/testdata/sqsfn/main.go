// Command sqsfn is the poller tests' consumer: a real aws-lambda-go bootstrap that appends what it saw to
// SQSFN_LOG and fails the messages the test chose: a body starting "poison" is reported in
// batchItemFailures, a body "fail-batch" makes the whole invocation return an error.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	f, err := os.OpenFile(os.Getenv("SQSFN_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return events.SQSEventResponse{}, err
	}
	defer f.Close()
	var resp events.SQSEventResponse
	failBatch := false
	for _, r := range ev.Records {
		// One line per record: batch size, body, receive count, source, priority attribute.
		prio := ""
		if a, ok := r.MessageAttributes["priority"]; ok && a.StringValue != nil {
			prio = *a.StringValue
		}
		fmt.Fprintf(f, "%d\t%s\t%s\t%s\t%s\t%s\n", len(ev.Records), r.Body, r.Attributes["ApproximateReceiveCount"], r.EventSource, r.EventSourceARN, prio)
		switch {
		case strings.HasPrefix(r.Body, "poison"):
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		case r.Body == "fail-batch":
			failBatch = true
		}
	}
	if failBatch {
		return events.SQSEventResponse{}, errors.New("downstream unavailable")
	}
	return resp, nil
}

func main() { lambda.Start(handle) }
