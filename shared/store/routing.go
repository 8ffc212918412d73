package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Routing keys. A conversation waiting for an agent is in its team's queue
// (GSI1 QUEUE#<team>); an assigned one is in its agent's list (GSI1
// AGENT#<id>); both sort by priority rank, then due time. A running SLA clock
// puts the conversation in the sweeper's index (GSI2 SLA) at its next event
// time. Agents are in GSI2 by status.
const (
	pfxAgent       = "A#"
	skAgent        = "A"
	typeAgent      = "agent"
	gsiQueue       = "QUEUE#"
	gsiAgentConvs  = "AGENT#"
	gsiSLA         = "SLA"
	gsiAgentStatus = "AGENTS#"
	pfxQuiet       = "Q#"
	typeQuiet      = "quiet"
	// sortTime is fixed-width so that times sort as strings.
	sortTime = "2006-01-02T15:04:05.000Z"
)

func agentKey(id string) map[string]types.AttributeValue { return key(pfxAgent+id, skAgent) }

// queueSortKey orders a work queue: urgent first, then the earliest due.
func queueSortKey(c domain.Conversation) string {
	due := c.SLA.DueAt
	if due.IsZero() {
		due = c.OpenedAt
	}
	return strconv.Itoa(domain.PriorityRank(c.Priority)) + "#" + due.UTC().Format(sortTime) + "#" + c.ID
}

// slaNextEvent is when the sweeper must next look at the conversation.
func slaNextEvent(c domain.Conversation) time.Time {
	s := c.SLA
	if s.StartedAt.IsZero() || !s.MetAt.IsZero() || !s.PausedSince.IsZero() || c.Closed() {
		return time.Time{}
	}
	if s.WarnedAt.IsZero() && !s.WarnAt.IsZero() {
		return s.WarnAt
	}
	if s.BreachedAt.IsZero() {
		return s.DueAt
	}
	return time.Time{}
}

func marshalRoutedConversation(c domain.Conversation) (map[string]types.AttributeValue, error) {
	item, err := marshalConversation(c)
	if err != nil {
		return nil, err
	}
	if !c.Closed() {
		team := c.Team
		if team == "" {
			team = stage.DefaultTeam
		}
		pk := gsiQueue + team
		if c.AssigneeID != "" {
			pk = gsiAgentConvs + c.AssigneeID
		}
		item[table.GSI1PK] = &types.AttributeValueMemberS{Value: pk}
		item[table.GSI1SK] = &types.AttributeValueMemberS{Value: queueSortKey(c)}
	}
	if next := slaNextEvent(c); !next.IsZero() {
		item[table.GSI2PK] = &types.AttributeValueMemberS{Value: gsiSLA}
		item[table.GSI2SK] = &types.AttributeValueMemberS{Value: next.UTC().Format(sortTime) + "#" + c.ID}
	}
	return item, nil
}

// conversationPut writes the whole conversation if its stored version is
// still prev (0: as created by the store, version 1, or absent).
func (s *Store) conversationPut(c domain.Conversation, prev int64) (types.TransactWriteItem, domain.Conversation, error) {
	c.Version = prev + 1
	c.UpdatedAt = s.Now()
	item, err := marshalRoutedConversation(c)
	if err != nil {
		return types.TransactWriteItem{}, c, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 &s.table,
		Item:                      item,
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: itoa(prev)}},
	}}, c, nil
}

// Refused says which write of a transaction refused its condition.
type Refused struct{ Index int }

func (r *Refused) Error() string { return fmt.Sprintf("write %d refused its condition", r.Index) }

// SaveConversation writes conv if its stored version is still conv.Version,
// together with extra writes, atomically. It returns the saved conversation
// (version bumped). A refused condition is a *domain.Error with CodeStale
// (the conversation changed) or CodeConflict wrapping *Refused{Index: i+1}
// for extra write i.
func (s *Store) SaveConversation(ctx context.Context, conv domain.Conversation, extra ...types.TransactWriteItem) (domain.Conversation, error) {
	w, saved, err := s.conversationPut(conv, conv.Version)
	if err != nil {
		return conv, err
	}
	if err := s.transact(ctx, append([]types.TransactWriteItem{w}, extra...), "save conversation"); err != nil {
		return conv, err
	}
	return saved, nil
}

// transact runs a transaction and reports a refused condition by index.
func (s *Store) transact(ctx context.Context, writes []types.TransactWriteItem, what string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	if err == nil {
		return nil
	}
	o, ok := classifyTx(err)
	if !ok {
		return unavailable(err, what)
	}
	if len(o.failed) > 0 {
		if o.failed[0] == 0 {
			return domain.Wrap(&Refused{Index: 0}, domain.CodeStale, "the conversation changed meanwhile")
		}
		return domain.Wrap(&Refused{Index: o.failed[0]}, domain.CodeConflict, what+": a condition no longer holds")
	}
	return domain.Errorf(domain.CodeConflict, "%s: a concurrent change got there first; try again", what)
}

// RefusedIndex returns the index of the refused write in err, or -1.
func RefusedIndex(err error) int {
	var r *Refused
	if errorsAs(err, &r) {
		return r.Index
	}
	return -1
}

// MarkRoutedWrite is a write for SaveConversation that marks a touchpoint as
// routed; it is refused if it already was, which makes routing idempotent.
func (s *Store) MarkRoutedWrite(customerID, touchpointID string, at time.Time) types.TransactWriteItem {
	av, _ := attributevalue.Marshal(at.UTC())
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       eventKey(customerID, touchpointID),
		UpdateExpression:          aws.String("SET routedAt = :t"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(routedAt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": av},
	}}
}

// PutAgent creates or replaces an agent's configuration, keeping the load the
// store counts.
func (s *Store) PutAgent(ctx context.Context, a domain.Agent) (domain.Agent, error) {
	if a.ID == "" || a.MaxConcurrent <= 0 {
		return a, domain.Errorf(domain.CodeInvalid, "an agent needs an id and a capacity above zero")
	}
	if a.Status == "" {
		a.Status = domain.AgentOffline
	}
	a.Version = 1
	if cur, err := s.GetAgent(ctx, a.ID); err == nil {
		a.Load, a.LastAssignedAt, a.LastSeenAt, a.Version = cur.Load, cur.LastAssignedAt, cur.LastSeenAt, cur.Version+1
	} else if domain.ErrorCode(err) != domain.CodeNotFound {
		return a, err
	}
	a.UpdatedAt = s.Now()
	item, err := marshalAgent(a)
	if err != nil {
		return a, err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return a, unavailable(err, "save agent")
	}
	return a, nil
}

func marshalAgent(a domain.Agent) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(a)
	if err != nil {
		return nil, err
	}
	addKeys(item, pfxAgent+a.ID, skAgent, typeAgent)
	item[table.GSI2PK] = &types.AttributeValueMemberS{Value: gsiAgentStatus + a.Status}
	item[table.GSI2SK] = &types.AttributeValueMemberS{Value: a.ID}
	return item, nil
}

// GetAgent reads one agent.
func (s *Store) GetAgent(ctx context.Context, id string) (domain.Agent, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: agentKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Agent{}, unavailable(err, "read agent")
	}
	if out.Item == nil {
		return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
	}
	var a domain.Agent
	if err := attributevalue.UnmarshalMap(out.Item, &a); err != nil {
		return a, unavailable(err, "decode agent")
	}
	return a, nil
}

// AgentsByStatus lists agents with a status (GSI2; eventually consistent,
// which assignment tolerates: its transaction re-checks status and capacity).
func (s *Store) AgentsByStatus(ctx context.Context, status string) ([]domain.Agent, error) {
	var out []domain.Agent
	var start map[string]types.AttributeValue
	for {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(table.GSI2),
			KeyConditionExpression:    aws.String(table.GSI2PK + " = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: gsiAgentStatus + status}},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, unavailable(err, "list agents")
		}
		for _, it := range res.Items {
			var a domain.Agent
			if err := attributevalue.UnmarshalMap(it, &a); err != nil {
				return nil, unavailable(err, "decode agent")
			}
			out = append(out, a)
		}
		if res.LastEvaluatedKey == nil {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// SetAgentStatus changes an agent's availability.
func (s *Store) SetAgentStatus(ctx context.Context, id, status string) (domain.Agent, error) {
	switch status {
	case domain.AgentAvailable, domain.AgentAway, domain.AgentOffline:
	default:
		return domain.Agent{}, domain.Errorf(domain.CodeInvalid, "status must be available, away or offline")
	}
	now, _ := attributevalue.Marshal(s.Now())
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      agentKey(id),
		UpdateExpression:         aws.String("SET #st = :s, updatedAt = :now, " + table.GSI2PK + " = :g"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #st <> :inactive"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": &types.AttributeValueMemberS{Value: status}, ":now": now,
			":g":        &types.AttributeValueMemberS{Value: gsiAgentStatus + status},
			":inactive": &types.AttributeValueMemberS{Value: domain.AgentInactive},
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		var cf *types.ConditionalCheckFailedException
		if errorsAs(err, &cf) {
			if cf.Item != nil {
				return domain.Agent{}, domain.Errorf(domain.CodeForbidden, "agent %s is deactivated", id)
			}
			return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
		}
		return domain.Agent{}, unavailable(err, "set agent status")
	}
	var a domain.Agent
	err = attributevalue.UnmarshalMap(out.Attributes, &a)
	return a, err
}

// Assign gives conv to agent atomically: the agent must be available with a
// free slot, and the conversation unassigned and unchanged since it was read.
// Under any concurrency no agent exceeds capacity and no conversation is
// assigned twice. A full or unavailable agent is CodeConflict; a changed
// conversation is CodeStale.
func (s *Store) Assign(ctx context.Context, conv domain.Conversation, agentID string, extra ...types.TransactWriteItem) (domain.Conversation, error) {
	if conv.AssigneeID != "" {
		return conv, domain.Errorf(domain.CodeConflict, "conversation %s is already assigned to %s", conv.ID, conv.AssigneeID)
	}
	now := s.Now()
	conv.AssigneeID, conv.AssignedAt = agentID, now
	agentUpd := s.takeSlotWrite(agentID, now)
	w, saved, err := s.conversationPut(conv, conv.Version)
	if err != nil {
		return conv, err
	}
	if err := s.transact(ctx, append([]types.TransactWriteItem{w, agentUpd}, extra...), "assign"); err != nil {
		if RefusedIndex(err) == 1 {
			return conv, agentUnavailable(agentID)
		}
		return conv, err
	}
	return saved, nil
}

func agentUnavailable(agentID string) error {
	return domain.Errorf(domain.CodeConflict, "agent %s is not available or at capacity", agentID)
}

// AssignChange sets c's assignee to agentID inside an UpdateConversation
// change and returns the write that takes one of the agent's slots with it:
// the update then fails with CodeConflict when the agent is not available
// or at capacity, as Assign does.
func (s *Store) AssignChange(c *domain.Conversation, agentID string) Write {
	now := s.Now()
	c.AssigneeID, c.AssignedAt = agentID, now
	return Write{item: s.takeSlotWrite(agentID, now), refused: agentUnavailable(agentID)}
}

// takeSlotWrite counts one more conversation on an available agent with a
// free slot.
func (s *Store) takeSlotWrite(agentID string, now time.Time) types.TransactWriteItem {
	nowAV, _ := attributevalue.Marshal(now)
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                &s.table,
		Key:                      agentKey(agentID),
		UpdateExpression:         aws.String("SET #load = #load + :one, lastAssignedAt = :now"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :avail AND #load < maxConcurrent"),
		ExpressionAttributeNames: map[string]string{"#load": "load", "#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"}, ":now": nowAV,
			":avail": &types.AttributeValueMemberS{Value: domain.AgentAvailable},
		},
	}}
}

// ReleaseAgentWrite frees one of the agent's slots (on resolve or reassignment).
func (s *Store) ReleaseAgentWrite(agentID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       agentKey(agentID),
		UpdateExpression:          aws.String("SET #load = #load - :one"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND #load > :zero"),
		ExpressionAttributeNames:  map[string]string{"#load": "load"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":zero": &types.AttributeValueMemberN{Value: "0"}},
	}}
}

// CloseOpenConversationWrite clears the customer's open conversation if it is
// still conversationID, so the customer's next message opens a new one.
func (s *Store) CloseOpenConversationWrite(customerID, conversationID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       profileKey(customerID),
		UpdateExpression:          aws.String("REMOVE openConversationId"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND openConversationId = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: conversationID}},
	}}
}

// ConversationPage is a page of a work queue.
type ConversationPage struct {
	Items []domain.Conversation
	Next  string
}

// Queue lists a team's unassigned conversations, urgent first then by due time.
func (s *Store) Queue(ctx context.Context, team string, limit int, cursor string) (ConversationPage, error) {
	return s.queryGSI1(ctx, gsiQueue+team, limit, cursor)
}

// AssignedTo lists an agent's conversations, urgent first then by due time.
func (s *Store) AssignedTo(ctx context.Context, agentID string, limit int, cursor string) (ConversationPage, error) {
	return s.queryGSI1(ctx, gsiAgentConvs+agentID, limit, cursor)
}

func (s *Store) queryGSI1(ctx context.Context, pk string, limit int, cursor string) (ConversationPage, error) {
	if limit <= 0 {
		limit = defaultPageSize
	}
	if limit > maxPageSize {
		return ConversationPage{}, domain.Errorf(domain.CodeInvalid, "limit must be at most %d", maxPageSize)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(table.GSI1),
		KeyConditionExpression:    aws.String(table.GSI1PK + " = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: pk}},
		Limit:                     aws.Int32(int32(limit)),
	}
	if cursor != "" {
		start, err := decodeIndexCursor(pk, cursor)
		if err != nil {
			return ConversationPage{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return ConversationPage{}, unavailable(err, "read queue")
	}
	p := ConversationPage{}
	for _, it := range out.Items {
		c, err := unmarshalConversation(it)
		if err != nil {
			return p, unavailable(err, "decode conversation")
		}
		p.Items = append(p.Items, c)
	}
	if out.LastEvaluatedKey != nil {
		p.Next = encodeIndexCursor(pk, out.LastEvaluatedKey)
	}
	return p, nil
}

// SLADue lists conversations whose next SLA event (warning or breach) is at
// or before t, oldest first.
func (s *Store) SLADue(ctx context.Context, t time.Time, limit int) ([]domain.Conversation, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(table.GSI2),
		KeyConditionExpression: aws.String(table.GSI2PK + " = :p AND " + table.GSI2SK + " <= :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": &types.AttributeValueMemberS{Value: gsiSLA},
			":t": &types.AttributeValueMemberS{Value: t.UTC().Format(sortTime) + "#~"},
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, unavailable(err, "read SLA index")
	}
	var convs []domain.Conversation
	for _, it := range out.Items {
		c, err := unmarshalConversation(it)
		if err != nil {
			return nil, unavailable(err, "decode conversation")
		}
		convs = append(convs, c)
	}
	return convs, nil
}

// ClaimQuietWindow records that the customer was just sent an automatic
// message; it returns false if one was sent inside the window already.
func (s *Store) ClaimQuietWindow(ctx context.Context, customerID string, window time.Duration) (bool, error) {
	now := s.Now()
	item := key(pfxQuiet+customerID, "Q")
	item["type"] = &types.AttributeValueMemberS{Value: typeQuiet}
	item[table.TTL] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(window).Unix(), 10)}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 &s.table,
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #ttl < :now"),
		ExpressionAttributeNames:  map[string]string{"#ttl": table.TTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
	})
	if err != nil {
		if isConditionFailed(err) {
			return false, nil
		}
		return false, unavailable(err, "claim quiet window")
	}
	return true, nil
}
