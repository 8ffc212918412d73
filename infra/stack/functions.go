package stack

import (
	"time"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/connect"
	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/tokens"
	"github.com/concierge-cx/concierge/shared/webhook"
)

// TableAccess is what a function may do to the table; each level includes
// the ones before it. A transaction needs the action of each of its parts
// (a Delete inside TransactWriteItems needs DeleteItem).
type TableAccess int

const (
	// TableNone: the function does not touch the table (its config has no TABLE_NAME).
	TableNone TableAccess = iota
	// TableRead: GetItem, BatchGetItem, Query (table and indexes), ConditionCheckItem.
	TableRead
	// TableWrite: plus PutItem and UpdateItem (conditions, transactions).
	TableWrite
	// TableDelete: plus DeleteItem.
	TableDelete
	// TableBatchWrite: plus BatchWriteItem.
	TableBatchWrite
)

// Function is one Lambda function of the stack. Adding a function to
// Concierge is one entry in Functions: the stack derives its environment from
// the config struct (envconfig tags), its permissions from the names it reads
// (TABLE_NAME, a queue URL, a bucket) plus Table, and its triggers from the
// root module's tables (shared/httpapi routes, shared/queue lanes, shared/sla schedules)
// and the fields below.
type Function struct {
	// Name is the deployed function's name; also the folder under functions/
	// and the asset directory (<assets>/<Name>/bootstrap) unless Binary says
	// otherwise.
	Name string
	// Binary is the functions/ folder when one binary is deployed more than
	// once (the router, once per lane).
	Binary string
	// Config points to the function's envconfig struct, the one its main.go loads.
	Config any
	// Timeout and MemoryMB size the function.
	Timeout  time.Duration
	MemoryMB int
	// ReservedConcurrency caps concurrent invocations where that protects a
	// downstream (0: no reservation). Applied only with -c
	// reservedConcurrency=true: a new account cannot reserve any.
	ReservedConcurrency int
	// MaxConcurrency bounds a lane consumer through its event source
	// mapping (2-1000), which reserves nothing from the account.
	MaxConcurrency int
	// Table is the access the function needs when its config reads TABLE_NAME.
	Table TableAccess
	// ReceivesMail: the SES receipt rule invokes the function after storing
	// the raw message in the mail bucket.
	ReceivesMail bool
	// ConnectEvents: Amazon Connect contact events invoke the function (when
	// the stage enables Connect).
	ConnectEvents bool
	// WritesAttachments: the function stores files in the attachments bucket
	// (s3:PutObject). Any other function that reads ATTACHMENTS_BUCKET may
	// only s3:GetObject (the agent API signs download links with it).
	WritesAttachments bool
	// ErasesFiles: the function deletes a customer's files, attachments and
	// raw mail, when she is erased (s3:DeleteObject on both buckets; issue 16).
	ErasesFiles bool
}

// Functions is every function Concierge deploys. HTTP routes name their
// function in Routes; the other triggers are fields of the entry.
func Functions() []Function {
	return []Function{
		{
			Name: "webhooks", Config: &webhook.Config{},
			// Providers give up after 10-15 s; the handler answers in well under that.
			Timeout: 10 * time.Second, MemoryMB: 256,
			// Deletes: a survey reply consumes its feedback token in the
			// transaction that records the score. No batch writes.
			Table: TableDelete,
		},
		{
			// One router binary per lane (shared/queue/lanes.go): a flood of normal
			// messages cannot take the concurrency the urgent lane needs.
			Name: queue.Urgent.Deployment, Binary: "router", Config: &routing.FunctionConfig{},
			Timeout: queue.RouterTimeout, MemoryMB: 256, Table: TableWrite,
			MaxConcurrency: 5,
			// Media customers send is downloaded into the attachments bucket (shared/media).
			WritesAttachments: true,
		},
		{
			Name: queue.Normal.Deployment, Binary: "router", Config: &routing.FunctionConfig{},
			Timeout: queue.RouterTimeout, MemoryMB: 256, Table: TableWrite,
			// Batches wait in the queue instead of crowding the table and the
			// providers' rate limits.
			MaxConcurrency: 2, ReservedConcurrency: 5,
			WritesAttachments: true,
		},
		{
			Name: "sla", Config: &routing.SweeperConfig{},
			// One sweep at a time by a lease item in the table
			// (routing.SweepLease), which must outlast the timeout. It
			// deletes parked jobs and owed side effects once done.
			Timeout: routing.SweepLeaseTTL, MemoryMB: 256, Table: TableDelete,
		},
		{
			Name: "agentapi", Config: &agentapi.FunctionConfig{},
			// Merges move a customer's items in batches.
			Timeout: 15 * time.Second, MemoryMB: 256, Table: TableBatchWrite,
			// Export links to a customer's files; erasure deletes them.
			ErasesFiles: true,
		},
		{
			Name: "connect", Config: &connect.Config{},
			// A contact flow waits at most 8 s for its Lambda block.
			Timeout: 8 * time.Second, MemoryMB: 256, Table: TableWrite, ConnectEvents: true,
		},
		{
			Name: "email", Config: &email.Config{},
			// MIME parsing and attachment uploads of a large message.
			Timeout: 60 * time.Second, MemoryMB: 512,
			// SES invokes asynchronously, so throttled events wait in Lambda's
			// queue: the cap keeps a mail flood from starving the table and the
			// routing lanes, and loses nothing.
			ReservedConcurrency: 5,
			Table:               TableWrite,
			ReceivesMail:        true,
			WritesAttachments:   true,
		},
		{
			// The Zalo OA token renewal (shared/tokens), every 15 minutes;
			// a lease item in the table keeps runs from overlapping.
			Name: TokensFunction, Config: &tokens.FunctionConfig{},
			Timeout: tokens.FunctionTimeout, MemoryMB: 128, Table: TableWrite,
		},
	}
}

// consumes lists the lanes whose consumer the function is.
func (f Function) consumes() []queue.Lane {
	var out []queue.Lane
	for _, l := range queue.Lanes() {
		if l.Deployment == f.Name {
			out = append(out, l)
		}
	}
	return out
}

// binary is the functions/ folder the function is built from.
func (f Function) binary() string {
	if f.Binary != "" {
		return f.Binary
	}
	return f.Name
}

// schedule is the function's EventBridge schedule expression, if any.
func (f Function) schedule() string {
	for _, s := range sla.Schedules() {
		if s.Function == f.Name {
			return s.Expression
		}
	}
	return ""
}

// async reports whether the function is invoked asynchronously (its failed
// events then go to the async dead-letter queue rather than being dropped).
func (f Function) async() bool { return f.schedule() != "" || f.ReceivesMail || f.ConnectEvents }
