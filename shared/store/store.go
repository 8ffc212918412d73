// Package store keeps customers, identities, touchpoints and conversations in
// the one DynamoDB table (docs/table-design.md). It is the only package that
// knows the key scheme; everything else speaks shared/domain.
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/oklog/ulid/v2"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Store is the DynamoDB adapter. Safe for concurrent use.
type Store struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
	// shards is the number of shards of the sharded keys (WithKeyShards).
	shards int

	entropyMu sync.Mutex
	entropy   *ulid.MonotonicEntropy

	senders senderCache
}

// Option adjusts a Store.
type Option func(*Store)

// WithClock replaces time.Now (tests, controllable clocks).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns a Store on the named table.
func New(db *dynamodb.Client, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table, now: time.Now, shards: DefaultKeyShards, entropy: ulid.Monotonic(rand.Reader, 0)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Table is the table name the store writes to.
func (s *Store) Table() string { return s.table }

// Now is the store's clock, in UTC, truncated to milliseconds so stored and
// returned times compare equal.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// newID returns a prefixed ULID whose time part is t: ids sort by time.
func (s *Store) newID(prefix string, t time.Time) string {
	s.entropyMu.Lock()
	defer s.entropyMu.Unlock()
	id, err := ulid.New(ulid.Timestamp(t), s.entropy)
	if err != nil {
		// Monotonic entropy overflows only after 2^80 ids in one millisecond;
		// fall back to fresh randomness rather than fail a customer's message.
		id = ulid.MustNew(ulid.Timestamp(t), rand.Reader)
	}
	return prefix + id.String()
}

// unavailable wraps an SDK error: a retryable storage failure (throttling,
// timeouts, an outage, a lost race), unless DynamoDB refused the request
// itself, which no retry mends: that is an internal error (500, details in
// the logs), never a 503 that would make a provider retry forever. Values
// from outside are checked before they reach a key (domain.CheckKeyValue),
// so such a refusal is a bug here, not the caller's input.
func unavailable(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return domain.Wrap(err, domain.CodeUnavailable, "storage request cancelled: "+what)
	}
	var api smithy.APIError
	if errors.As(err, &api) && refusedRequest[api.ErrorCode()] {
		return domain.Wrap(err, domain.CodeInternal, "storage refused the request: "+what)
	}
	return domain.Wrap(err, domain.CodeUnavailable, "storage unavailable: "+what)
}

// refusedRequest lists DynamoDB's error codes for a request that is wrong in
// itself (a key too large, a malformed expression). A missing table or a
// missing permission stays "unavailable": a deployment fixes it, and the
// retry then stores what would otherwise be lost.
var refusedRequest = map[string]bool{
	"ValidationException":    true,
	"SerializationException": true,
}

// txOutcome classifies a failed TransactWriteItems call.
type txOutcome struct {
	failed    []int // indexes whose condition failed
	conflict  bool  // a concurrent transaction touched the same items: retry
	cancelled bool
}

func classifyTx(err error) (txOutcome, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		var tc *types.TransactionConflictException
		if errors.As(err, &tc) {
			return txOutcome{conflict: true, cancelled: true}, true
		}
		return txOutcome{}, false
	}
	o := txOutcome{cancelled: true}
	for i, r := range tce.CancellationReasons {
		switch code := deref(r.Code); code {
		case "ConditionalCheckFailed":
			o.failed = append(o.failed, i)
		case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
			o.conflict = true
		}
	}
	return o, true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// backoff sleeps a jittered, growing delay before retry attempt n.
func backoff(ctx context.Context, attempt int) error {
	maxMs := int64(5 << min(attempt, 6)) // 5ms .. 320ms
	n, _ := rand.Int(rand.Reader, big.NewInt(maxMs))
	t := time.NewTimer(time.Duration(n.Int64()+1) * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

const maxAttempts = 16

func errTooManyAttempts(what string) error {
	return domain.Errorf(domain.CodeUnavailable, "storage contention: %s did not settle after %d attempts", what, maxAttempts)
}
