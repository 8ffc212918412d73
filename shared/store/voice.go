package store

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
)

// VoiceAgents lists the agents of team whose phone can ring now
// (domain.Agent.Callable), whole. Call routing chooses among them. For a team
// they are the available agents of its GSI2 partition and of the shared pool
// (two Queries, as chat routing lists them), read whole by id because the
// routing projection carries no phone: a call reads its own team's agents,
// not the roster. An empty team lists every team's, from the roster.
func (s *Store) VoiceAgents(ctx context.Context, team string) ([]domain.Agent, error) {
	var agents []domain.Agent
	if team == "" {
		all, err := s.AgentsByStatus(ctx, domain.AgentAvailable)
		if err != nil {
			return nil, err
		}
		agents = all
	} else {
		partitions := []string{agentStatusPK([]string{team}, domain.AgentAvailable), gsiAgentStatus + domain.AgentAvailable}
		lists, err := eachPartition(ctx, partitions, s.agentsListed)
		if err != nil {
			return nil, err
		}
		items, err := s.itemsOf(ctx, dedupeListed(slices.Concat(lists...)))
		if err != nil {
			return nil, err
		}
		if agents, err = decodeAgents(items, ""); err != nil {
			return nil, err
		}
		slices.SortFunc(agents, func(x, y domain.Agent) int { return strings.Compare(x.ID, y.ID) })
	}
	out := agents[:0]
	for _, a := range agents {
		if a.Callable() && (team == "" || len(a.Teams) == 0 || slices.Contains(a.Teams, team)) {
			out = append(out, a)
		}
	}
	return out, nil
}

// SetAgentVoice says whether the agent takes calls now. Taking calls needs
// the voice flag and a phone or a client identity: CodeConflict otherwise.
func (s *Store) SetAgentVoice(ctx context.Context, id string, available bool) (domain.Agent, error) {
	now, _ := attributevalue.Marshal(s.Now())
	cond := "attribute_exists(PK) AND #st <> :inactive"
	vals := map[string]types.AttributeValue{
		":v": &types.AttributeValueMemberBOOL{Value: available}, ":now": now,
		":inactive": &types.AttributeValueMemberS{Value: domain.AgentInactive},
	}
	if available {
		cond += " AND voice = :true AND (attribute_exists(phone) OR attribute_exists(clientIdentity))"
		vals[":true"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: agentKey(id),
		UpdateExpression:                    aws.String("SET voiceAvailable = :v, updatedAt = :now"),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            map[string]string{"#st": "status"},
		ExpressionAttributeValues:           vals,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		var cf *types.ConditionalCheckFailedException
		if !errorsAs(err, &cf) {
			return domain.Agent{}, unavailable(err, "set agent voice")
		}
		if cf.Item == nil {
			return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
		}
		var old domain.Agent
		_ = attributevalue.UnmarshalMap(cf.Item, &old)
		if old.Status == domain.AgentInactive {
			return domain.Agent{}, domain.Errorf(domain.CodeForbidden, "agent %s is deactivated", id)
		}
		return domain.Agent{}, domain.Errorf(domain.CodeConflict, "agent %s cannot take calls: set voice and a phone or a client identity on the profile first", id)
	}
	var a domain.Agent
	err = attributevalue.UnmarshalMap(out.Attributes, &a)
	return a, err
}

// StartAgentCall counts the call callSid as one of the agent's slots while
// it lasts (chat routing then sees the slot taken). It is idempotent per
// call: false when this call already holds the slot, or the agent is on
// another call (the answer of a second leg is not counted twice).
func (s *Store) StartAgentCall(ctx context.Context, agentID, callSid string) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: agentKey(agentID),
		UpdateExpression:         aws.String("SET onCall = :c, #load = #load + :one"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND attribute_not_exists(onCall)"),
		ExpressionAttributeNames: map[string]string{"#load": "load"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": &types.AttributeValueMemberS{Value: callSid}, ":one": &types.AttributeValueMemberN{Value: "1"},
		},
	})
	if err != nil {
		if isConditionFailed(err) {
			return false, nil
		}
		return false, unavailable(err, "start agent call")
	}
	return true, nil
}

// EndAgentCall gives back the slot the call callSid held; a repeat (or a
// call that held none) changes nothing.
func (s *Store) EndAgentCall(ctx context.Context, agentID, callSid string) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: agentKey(agentID),
		UpdateExpression:         aws.String("REMOVE onCall SET #load = #load - :one"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND onCall = :c AND #load > :zero"),
		ExpressionAttributeNames: map[string]string{"#load": "load"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": &types.AttributeValueMemberS{Value: callSid}, ":one": &types.AttributeValueMemberN{Value: "1"},
			":zero": &types.AttributeValueMemberN{Value: "0"},
		},
	})
	if err != nil && isConditionFailed(err) {
		// Nothing counted to give back (the load was set to zero meanwhile):
		// the call still ends.
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: agentKey(agentID),
			UpdateExpression:          aws.String("REMOVE onCall"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND onCall = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: callSid}},
		})
		if err == nil || isConditionFailed(err) {
			return false, nil
		}
	}
	if err != nil {
		return false, unavailable(err, "end agent call")
	}
	return true, nil
}
