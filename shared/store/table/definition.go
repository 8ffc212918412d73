// Package table is the single definition of the Concierge table: its keys,
// indexes and TTL attribute (definition.go, SDK-free), and the DynamoDB calls
// that create it (create.go). The store, the tests, the local stack and the CDK
// stack all build the table from here, so they cannot drift apart.
package table

// Attribute names of the base table and its indexes. Keys are generic strings
// (single-table design); see docs/table-design.md for what each holds.
const (
	PK     = "PK"
	SK     = "SK"
	GSI1PK = "GSI1PK"
	GSI1SK = "GSI1SK"
	GSI2PK = "GSI2PK"
	GSI2SK = "GSI2SK"
	GSI3PK = "GSI3PK"
	GSI3SK = "GSI3SK"
	GSI4PK = "GSI4PK"
	GSI4SK = "GSI4SK"
	// TTL is the epoch-seconds attribute DynamoDB expires items by (feedback
	// tokens, quiet-window markers).
	TTL = "expiresAt"
)

// Index names.
const (
	GSI1 = "GSI1" // work queues: open conversations by team/assignee, priority and due time
	GSI2 = "GSI2" // time-ordered sweeps: SLA due times, agents by availability
	GSI3 = "GSI3" // lookups by folded customer name prefix
	GSI4 = "GSI4" // buyers: the sparse index of customers with purchases (value tiers)
)

// AgentRoutingAttributes are the agent attributes routing chooses by
// (domain.Agent's names): projected into GSI2 so choosing an agent takes one
// Query. Their status is the partition they are listed in.
var AgentRoutingAttributes = []string{"agentId", "languages", "teams", "maxConcurrent", "load", "lastAssignedAt"}

// BuyerAttributes are what the value-tier job reads of each buyer's
// purchases summary (store.purchasesItem): projected into GSI4 so ranking
// every buyer is one Query per shard and no read of a profile.
var BuyerAttributes = []string{"customerId", "buys", "tier", "tierPinned"}

// DefaultName is the table name when TABLE_NAME is not set (local development).
const DefaultName = "concierge"

// Index describes one global secondary index.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
	// Include lists the non-key attributes the index projects besides the
	// table's and its own keys (INCLUDE); none means KEYS_ONLY. An index
	// entry is rewritten only when its keys or one of these change, so each
	// index carries exactly what its queries read and nothing that changes
	// per message; a query that needs more reads the items by key, one
	// BatchGetItem per page.
	Include []string
}

// Definition is the table's shape, independent of any SDK.
type Definition struct {
	PartitionKey string
	SortKey      string
	Indexes      []Index
	TTLAttribute string
}

// Table returns the definition. All key attributes are strings.
func Table() Definition {
	return Definition{
		PartitionKey: PK,
		SortKey:      SK,
		Indexes: []Index{
			// Work queues are read a page at a time by key, then the page's
			// conversations by BatchGetItem: a conversation's timestamps change
			// with every message and would rewrite a projected entry each time.
			{Name: GSI1, PartitionKey: GSI1PK, SortKey: GSI1SK},
			// What assignment reads of the available agents, in the one Query
			// routing makes; the SLA sweep reads conversation keys only.
			{Name: GSI2, PartitionKey: GSI2PK, SortKey: GSI2SK, Include: AgentRoutingAttributes},
			// A name entry points at its customer.
			{Name: GSI3, PartitionKey: GSI3PK, SortKey: GSI3SK, Include: []string{"customerId"}},
			// Sparse: only a customer's purchases summary carries its keys, so
			// the value-tier job reads buyers and nothing else.
			{Name: GSI4, PartitionKey: GSI4PK, SortKey: GSI4SK, Include: BuyerAttributes},
		},
		TTLAttribute: TTL,
	}
}

// KeyAttributes lists every attribute used in a key of the table or an index.
func (d Definition) KeyAttributes() []string {
	out := []string{d.PartitionKey, d.SortKey}
	for _, ix := range d.Indexes {
		out = append(out, ix.PartitionKey, ix.SortKey)
	}
	return out
}
