package store

import (
	"sync"

	"github.com/concierge-cx/concierge/shared/domain"
)

// senderCache remembers, per container, which customer an identity belonged
// to when last read, so the lookup of a known sender can read her profile in
// the same BatchGetItem as her identity key instead of a GetItem after it
// (one request fewer for every message of a sender the container has seen).
// It is only a guess: the profile read is used only when the identity key
// read beside it still names that customer, so a merge, an erasure or an
// identity moved to someone else costs the old GetItem, never a wrong
// customer.
type senderCache struct {
	mu sync.Mutex
	m  map[string]string // identity key -> customer id
}

// senderCacheSize bounds the cache: a Lambda container's memory holds far
// more, and a container that meets more senders than this simply reads
// their profiles as before. Past the bound the cache starts over.
const senderCacheSize = 50_000

func (c *senderCache) get(id domain.Identity) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id.Key()]
}

func (c *senderCache) put(owners map[string]string) {
	if len(owners) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m)+len(owners) > senderCacheSize {
		c.m = make(map[string]string, len(owners))
	}
	for k, v := range owners {
		c.m[k] = v
	}
}
