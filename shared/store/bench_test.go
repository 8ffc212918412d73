package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// BenchmarkStore measures what recording one inbound message costs in
// DynamoDB requests and write units, counted from ConsumedCapacity by the
// ddbmeter middleware (transactional writes counted twice, as AWS bills them;
// DynamoDB Local reports them once).
func BenchmarkStore(b *testing.B) {
	base, table := testenv.NewTable(b)
	meter := &ddbmeter.Meter{BillTransactions: true}
	s := store.New(dynamodb.New(base.Options(), meter.Option), table)
	ctx := context.Background()
	text := "Chào shop, em đặt đơn hàng #12345 hôm qua mà chưa thấy giao. Shop kiểm tra giúp em với ạ."
	inbound := func(phone, id string) store.Inbound {
		p, err := domain.Normalizer{}.Normalize(domain.KindPhone, phone)
		if err != nil {
			b.Fatal(err)
		}
		return store.Inbound{
			Identities:  []domain.Identity{p},
			ProfileName: "Nguyễn Thị Lan",
			Touchpoint: domain.Touchpoint{
				Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, Provider: "meta",
				ProviderMessageID: id, Text: text, OccurredAt: time.Now(),
			},
		}
	}
	report := func(b *testing.B) {
		c := meter.Snapshot()
		b.ReportMetric(float64(c.Requests)/float64(b.N), "requests/message")
		b.ReportMetric(c.WriteUnits/float64(b.N), "wru/message")
	}
	run := 0
	b.Run("new_customer", func(b *testing.B) {
		run++
		meter.Reset()
		for i := 0; i < b.N; i++ {
			r, err := s.RecordInbound(ctx, inbound(fmt.Sprintf("+8490%d%06d", run%10, i), fmt.Sprintf("wamid.new.%d.%d", run, i)))
			if err != nil || !r.NewCustomer {
				b.Fatalf("%v %+v", err, r)
			}
		}
		report(b)
	})
	known := inbound("+84912345678", "wamid.known.first")
	if _, err := s.RecordInbound(ctx, known); err != nil {
		b.Fatal(err)
	}
	b.Run("known_customer", func(b *testing.B) {
		run++
		meter.Reset()
		for i := 0; i < b.N; i++ {
			r, err := s.RecordInbound(ctx, inbound("+84912345678", fmt.Sprintf("wamid.known.%d.%d", run, i)))
			if err != nil || r.NewCustomer || r.Duplicate || r.NewConversation {
				b.Fatalf("%v %+v", err, r)
			}
		}
		report(b)
	})
	b.Run("duplicate", func(b *testing.B) {
		meter.Reset()
		for i := 0; i < b.N; i++ {
			r, err := s.RecordInbound(ctx, known)
			if err != nil || !r.Duplicate {
				b.Fatalf("%v %+v", err, r)
			}
		}
		report(b)
	})
}
