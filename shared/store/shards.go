package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"

	"github.com/concierge-cx/concierge/shared/stage"
)

// Sharded keys. A partition takes at most 1,000 write units a second (and an
// index partition that throttles throttles the table writes behind it), so
// no key is written by every conversation of the deployment: the SLA index
// entries (GSI2 SLA#<n>) and the metrics days (MET#<day>#<n>) are spread over
// KeyShards partitions by a hash of the conversation's (or the feedback
// touchpoint's) id, and read back by one Query per shard, run in parallel.
// docs/table-design.md has the partition math.
//
// Every function of a deployment must use the same count (the stack gives
// them all KEY_SHARDS). Raising it is safe: an entry stays where it was
// written until it moves, and every shard below the new count is read.
// Lowering it strands the entries of the dropped shards: don't.

// WithKeyShards sets the number of shards of the sharded keys (KEY_SHARDS).
// Below 1 is a configuration error, refused at cold start.
func WithKeyShards(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("store: KEY_SHARDS must be at least 1, not %d", n))
	}
	return func(s *Store) { s.shards = n }
}

// DefaultKeyShards is KEY_SHARDS when it is not set.
var DefaultKeyShards = stage.Defaults().KeyShards

// KeyShards is the number of shards of the sharded keys.
func (s *Store) KeyShards() int { return s.shards }

// shardOf is id's shard: FNV-1a of the id, modulo the shard count.
func (s *Store) shardOf(id string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % uint32(s.shards))
}

// sharded is prefix#<shard of id>.
func (s *Store) sharded(prefix, id string) string {
	return prefix + "#" + strconv.Itoa(s.shardOf(id))
}

// partitionsOf lists the partitions a sharded key's reader queries: every
// shard of prefix, then the unsharded prefix itself, where entries written
// before the keys were sharded stay until they next move (see
// docs/table-design.md, "Migrating a deployed table").
func (s *Store) partitionsOf(prefix string) []string {
	out := make([]string, 0, s.shards+1)
	for n := 0; n < s.shards; n++ {
		out = append(out, prefix+"#"+strconv.Itoa(n))
	}
	return append(out, prefix)
}

// eachPartition runs read on every partition in parallel (at most
// maxParallelReads at a time) and returns their results in partition order,
// or the first error.
func eachPartition[T any](ctx context.Context, partitions []string, read func(ctx context.Context, pk string) (T, error)) ([]T, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]T, len(partitions))
	errs := make([]error, len(partitions))
	sem := make(chan struct{}, maxParallelReads)
	var wg sync.WaitGroup
	for i, pk := range partitions {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = read(ctx, pk)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	// The first error that is not another read's cancellation is the cause.
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}

// maxParallelReads bounds the Queries one sharded read has in flight.
const maxParallelReads = 16
