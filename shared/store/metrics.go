package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Metrics days. Resolving a conversation and recording feedback each put one
// small item into a shard of their UTC day, MET#<yyyy-mm-dd>#<n> (n by a hash
// of the conversation or touchpoint id, see shards.go), so no one item or
// partition is written by every resolve, and the supervisor's report over a
// range is one Query per day and shard, in parallel, and never a Scan.
// Items are plain puts keyed by the conversation (V#<id>) or the feedback
// touchpoint (F#<id>): writing one twice changes nothing.
const (
	pfxMetricsDay    = "MET#"
	typeMetricConv   = "metric_conversation"
	typeMetricScore  = "metric_feedback"
	metricsDayLayout = "2006-01-02"
	// MaxMetricsDays bounds a report: one Query per day.
	MaxMetricsDays = 92
)

// ConversationMetric is what a resolved conversation contributes to reports.
type ConversationMetric struct {
	ConversationID  string          `dynamodbav:"conversationId"`
	Priority        domain.Priority `dynamodbav:"priority"`
	Channel         domain.Channel  `dynamodbav:"channel"`
	Team            string          `dynamodbav:"team,omitempty"`
	OpenedAt        time.Time       `dynamodbav:"openedAt"`
	FirstResponseAt time.Time       `dynamodbav:"firstResponseAt,omitempty"`
	ResolvedAt      time.Time       `dynamodbav:"resolvedAt"`
	// Breached: some SLA target of the conversation was missed.
	Breached bool `dynamodbav:"breached"`
}

// FeedbackMetric is one satisfaction score in reports.
type FeedbackMetric struct {
	TouchpointID   string          `dynamodbav:"touchpointId"`
	ConversationID string          `dynamodbav:"conversationId,omitempty"`
	Score          int             `dynamodbav:"score"`
	Channel        domain.Channel  `dynamodbav:"channel"`
	Priority       domain.Priority `dynamodbav:"priority,omitempty"`
	At             time.Time       `dynamodbav:"at"`
}

func metricsDayPK(t time.Time) string { return pfxMetricsDay + t.UTC().Format(metricsDayLayout) }

// ConversationMetricWrite records a resolved conversation in its day: an
// extra write for the resolving UpdateConversation.
func (s *Store) ConversationMetricWrite(m ConversationMetric) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(m)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	addKeys(item, s.sharded(metricsDayPK(m.ResolvedAt), m.ConversationID), pfxConversation+m.ConversationID, typeMetricConv)
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: item}}, nil
}

func (s *Store) feedbackMetricWrite(m FeedbackMetric) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(m)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	addKeys(item, s.sharded(metricsDayPK(m.At), m.TouchpointID), pfxFeedback+m.TouchpointID, typeMetricScore)
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: item}}, nil
}

// MetricsRange reads the conversations resolved and the scores given in
// [from, to): one Query per UTC day and shard (and the day's unsharded
// partition, where days before sharding lie), in parallel, at most
// MaxMetricsDays days. The result is in day order, then by sort key within
// each shard.
func (s *Store) MetricsRange(ctx context.Context, from, to time.Time) ([]ConversationMetric, []FeedbackMetric, error) {
	from, to = from.UTC(), to.UTC()
	if !to.After(from) {
		return nil, nil, domain.Errorf(domain.CodeInvalid, "to must be after from")
	}
	first := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	if to.Sub(first) > MaxMetricsDays*24*time.Hour {
		return nil, nil, domain.Errorf(domain.CodeInvalid, "a report covers at most %d days", MaxMetricsDays)
	}
	var partitions []string
	for day := first; day.Before(to); day = day.AddDate(0, 0, 1) {
		partitions = append(partitions, s.partitionsOf(metricsDayPK(day))...)
	}
	pages, err := eachPartition(ctx, partitions, s.metricsPartition)
	if err != nil {
		return nil, nil, err
	}
	var convs []ConversationMetric
	var scores []FeedbackMetric
	for _, items := range pages {
		for _, it := range items {
			switch str(it, "type") {
			case typeMetricConv:
				var m ConversationMetric
				if err := attributevalue.UnmarshalMap(it, &m); err != nil {
					return nil, nil, unavailable(err, "decode metric")
				}
				if !m.ResolvedAt.Before(from) && m.ResolvedAt.Before(to) {
					convs = append(convs, m)
				}
			case typeMetricScore:
				var m FeedbackMetric
				if err := attributevalue.UnmarshalMap(it, &m); err != nil {
					return nil, nil, unavailable(err, "decode metric")
				}
				if !m.At.Before(from) && m.At.Before(to) {
					scores = append(scores, m)
				}
			}
		}
	}
	return convs, scores, nil
}

// metricsPartition reads one metrics partition whole.
func (s *Store) metricsPartition(ctx context.Context, pk string) ([]map[string]types.AttributeValue, error) {
	return s.queryAll(ctx, "", table.PK, pk, "read metrics")
}
