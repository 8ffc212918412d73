package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

// itemsOf reads, by their table keys, the items an index query listed (the
// indexes project keys and little else, see store/table): one BatchGetItem per
// hundred, in the order listed; an item deleted since is left out.
func (s *Store) itemsOf(ctx context.Context, listed []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	if len(listed) == 0 {
		return nil, nil
	}
	order := make(map[[2]string]int, len(listed))
	keys := make([]map[string]types.AttributeValue, 0, len(listed))
	for _, it := range listed {
		k := [2]string{pkOf(it), str(it, table.SK)}
		if _, dup := order[k]; dup {
			continue
		}
		order[k] = len(keys)
		keys = append(keys, key(k[0], k[1]))
	}
	found := make([]map[string]types.AttributeValue, len(keys))
	for start := 0; start < len(keys); start += 100 {
		items, err := s.batchGet(ctx, keys[start:min(start+100, len(keys))])
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			found[order[[2]string{pkOf(it), str(it, table.SK)}]] = it
		}
	}
	out := found[:0]
	for _, it := range found {
		if it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}
