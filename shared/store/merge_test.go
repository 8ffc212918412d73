package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

func TestMergeJoinsHistoriesAndIsIdempotent(t *testing.T) {
	s, db, table := newStore(t)
	ctx := context.Background()
	base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	lanPhone := phone(t, "0912345678")
	lanZalo := domain.Identity{Kind: domain.KindZalo, Value: "8435412389201837465"} // > 2^53
	var target, source string
	var want []string
	// Interleaved histories: the target on SMS at even minutes, the source on Zalo at odd ones.
	for i := 0; i < 30; i++ {
		ids, prov, ch := []domain.Identity{lanPhone}, "twilio", domain.ChannelSMS
		if i%2 == 1 {
			ids, prov, ch = []domain.Identity{lanZalo}, "zalo", domain.ChannelZalo
		}
		in := msg(ids, prov, fmt.Sprint("m", i), fmt.Sprint("tin ", i), base.Add(time.Duration(i)*time.Minute))
		in.Touchpoint.Channel = ch
		r, err := s.RecordInbound(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			target = r.Customer.ID
		} else {
			source = r.Customer.ID
		}
		want = append([]string{fmt.Sprint("tin ", i)}, want...)
	}
	if target == source {
		t.Fatal("setup: two identities made one customer")
	}
	m, err := s.Merge(ctx, target, source)
	if err != nil {
		t.Fatal(err)
	}
	merged := m.Customer
	if merged.ChannelCounts[domain.ChannelSMS] != 15 || merged.ChannelCounts[domain.ChannelZalo] != 15 {
		t.Fatalf("merged counts %v", merged.ChannelCounts)
	}
	if !merged.FirstContactAt.Equal(base) || !merged.LastContactAt.Equal(base.Add(29*time.Minute)) || merged.LastChannel != domain.ChannelZalo {
		t.Fatalf("merged first/last contact %v %v %s", merged.FirstContactAt, merged.LastContactAt, merged.LastChannel)
	}
	timeline := func() []string {
		p, err := s.Timeline(ctx, target, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tp := range p.Items {
			if tp.CustomerID != target {
				t.Fatalf("touchpoint %s still names customer %s", tp.ID, tp.CustomerID)
			}
			out = append(out, tp.Text)
		}
		return out
	}
	if got := timeline(); !reflect.DeepEqual(got, want) {
		t.Fatalf("merged timeline\n got %v\nwant %v", got, want)
	}
	for _, id := range []domain.Identity{lanPhone, lanZalo} {
		r, err := s.ResolveCustomer(ctx, []domain.Identity{id}, "")
		if err != nil || r.Customer.ID != target {
			t.Fatalf("%s resolves to %s, %v; want %s", id, r.Customer.ID, err, target)
		}
	}
	viaSource, err := s.GetCustomer(ctx, source)
	if err != nil || viaSource.ID != target {
		t.Fatalf("source id resolves to %s, %v", viaSource.ID, err)
	}
	// A retry of a source message after the merge is still a duplicate.
	dup, err := s.RecordInbound(ctx, msg([]domain.Identity{lanZalo}, "zalo", "m1", "tin 1", base.Add(time.Minute)))
	if err != nil || !dup.Duplicate || dup.Touchpoint.CustomerID != target {
		t.Fatalf("replayed source message: %+v, %v", dup, err)
	}
	// A new message on the source's channel lands on the target.
	after, err := s.RecordInbound(ctx, msg([]domain.Identity{lanZalo}, "zalo", "m30", "tin 30", base.Add(30*time.Minute)))
	if err != nil || after.Customer.ID != target {
		t.Fatalf("message after merge went to %s, %v", after.Customer.ID, err)
	}
	want = append([]string{"tin 30"}, want...)

	before := countItems(t, db, table)
	profileBefore, err := s.GetCustomer(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	m, err = s.Merge(ctx, target, source)
	if err != nil {
		t.Fatal(err)
	}
	again := m.Customer
	if !reflect.DeepEqual(again, profileBefore) {
		t.Fatalf("second merge changed the target:\n%+v\n%+v", profileBefore, again)
	}
	if got := countItems(t, db, table); !reflect.DeepEqual(got, before) {
		t.Fatalf("second merge changed the table: %v -> %v", before, got)
	}
	if got := timeline(); !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline after second merge %v", got)
	}
	if _, err := s.Merge(ctx, source, target); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("merging the target into its merged source: %v, want conflict", err)
	}
	if _, err := s.Merge(ctx, target, target); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("self-merge: %v", err)
	}
}

// failAfter makes a client whose requests fail once n have been sent: a crash
// at every point of a merge.
func failAfter(db *dynamodb.Client, n int) *dynamodb.Client {
	var sent atomic.Int32
	return dynamodb.New(db.Options(), func(o *dynamodb.Options) {
		o.Retryer = aws.NopRetryer{}
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("crash", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if int(sent.Add(1)) > n {
					return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("simulated crash")
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		})
	})
}

func TestMergeResumesAfterACrashAtAnyStep(t *testing.T) {
	s, db, table := newStore(t)
	ctx := context.Background()
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for crashAt := 0; ; crashAt++ {
		a, b := phone(t, fmt.Sprintf("09123%05d", crashAt)), phone(t, fmt.Sprintf("09876%05d", crashAt))
		var ta, tb string
		for i := 0; i < 3; i++ {
			ra, err := s.RecordInbound(ctx, msg([]domain.Identity{a}, "twilio", fmt.Sprint(crashAt, "a", i), fmt.Sprint("A", i), base.Add(time.Duration(2*i)*time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			rb, err := s.RecordInbound(ctx, msg([]domain.Identity{b}, "twilio", fmt.Sprint(crashAt, "b", i), fmt.Sprint("B", i), base.Add(time.Duration(2*i+1)*time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			ta, tb = ra.Customer.ID, rb.Customer.ID
		}
		crashing := store.New(failAfter(db, crashAt), table)
		_, crashErr := crashing.Merge(ctx, ta, tb)
		mr, err := s.Merge(ctx, ta, tb)
		if err != nil {
			t.Fatalf("crash after %d requests, then resume: %v", crashAt, err)
		}
		m := mr.Customer
		if m.ChannelCounts[domain.ChannelSMS] != 6 {
			t.Fatalf("crash after %d requests: counts %v, want 6 SMS", crashAt, m.ChannelCounts)
		}
		p, err := s.Timeline(ctx, ta, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, tp := range p.Items {
			texts = append(texts, tp.Text)
		}
		if got := strings.Join(texts, ","); got != "B2,A2,B1,A1,B0,A0" {
			t.Fatalf("crash after %d requests: timeline %s", crashAt, got)
		}
		if r, err := s.ResolveCustomer(ctx, []domain.Identity{b}, ""); err != nil || r.Customer.ID != ta {
			t.Fatalf("crash after %d requests: source phone resolves to %s, %v", crashAt, r.Customer.ID, err)
		}
		if crashErr == nil {
			return // the merge ran to its end before the crash point: every step was covered
		}
		if crashAt > 200 {
			t.Fatal("merge never completed")
		}
	}
}

// A customer made through the API (she never wrote, so she has no channel
// counts) takes over a merged customer's counts whole; two customers with
// no counts at all merge too.
func TestAMergeIntoACustomerWhoNeverWroteKeepsTheCounts(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	made, err := s.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindEmail, Value: "lan.api@example.com"}}, "Lan")
	if err != nil {
		t.Fatal(err)
	}
	wrote, err := s.RecordInbound(ctx, msg([]domain.Identity{phone(t, "0913006001")}, "twilio", "m-wrote", "Chào shop", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, made.Customer.ID, wrote.Customer.ID); err != nil {
		t.Fatal(err)
	}
	c, err := s.GetCustomer(ctx, made.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.ChannelCounts[domain.ChannelSMS] != 1 {
		t.Fatalf("channel counts after the merge %v, want sms 1", c.ChannelCounts)
	}
	other, err := s.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindEmail, Value: "lan.other@example.com"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	empty, err := s.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindEmail, Value: "lan.empty@example.com"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, other.Customer.ID, empty.Customer.ID); err != nil {
		t.Fatalf("merging two customers who never wrote: %v", err)
	}
}
