package memstore_test

import (
	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/agentapi/memstore"
	"github.com/concierge-cx/concierge/shared/store"
)

// Both implement the agent API's storage.
var (
	_ agentapi.Storage = (*memstore.Store)(nil)
	_ agentapi.Storage = (*store.Store)(nil)
)
