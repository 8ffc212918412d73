package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store/table"
	"github.com/concierge-cx/concierge/shared/teams"
)

// Team keys: one item per team (TM#<id>/TM), all of them in GSI2 under
// TEAMS so GET /teams is one query. A shop has a handful of teams.
const (
	pfxTeam  = "TM#"
	skTeam   = "TM"
	typeTeam = "team"
	gsiTeams = "TEAMS"
)

func teamKey(id string) map[string]types.AttributeValue { return key(pfxTeam+id, skTeam) }

// teamItem is the stored team; the SLA policy is kept as the JSON that
// SLA_POLICY holds, so one format describes a policy everywhere.
type teamItem struct {
	ID        string    `dynamodbav:"teamId"`
	Name      string    `dynamodbav:"name"`
	Languages []string  `dynamodbav:"languages,omitempty"`
	SLA       string    `dynamodbav:"sla"`
	Version   int64     `dynamodbav:"version"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
}

func marshalTeam(t teams.Team) (map[string]types.AttributeValue, error) {
	pol, err := json.Marshal(t.SLA)
	if err != nil {
		return nil, err
	}
	item, err := attributevalue.MarshalMap(teamItem{ID: t.ID, Name: t.Name, Languages: t.Languages, SLA: string(pol), Version: t.Version, UpdatedAt: t.UpdatedAt})
	if err != nil {
		return nil, err
	}
	addKeys(item, pfxTeam+t.ID, skTeam, typeTeam)
	item[table.GSI2PK] = &types.AttributeValueMemberS{Value: gsiTeams}
	item[table.GSI2SK] = &types.AttributeValueMemberS{Value: t.ID}
	return item, nil
}

func unmarshalTeam(item map[string]types.AttributeValue) (teams.Team, error) {
	var ti teamItem
	if err := attributevalue.UnmarshalMap(item, &ti); err != nil {
		return teams.Team{}, err
	}
	var p sla.Policy
	if err := json.Unmarshal([]byte(ti.SLA), &p); err != nil {
		return teams.Team{}, err
	}
	return teams.Team{ID: ti.ID, Name: ti.Name, Languages: ti.Languages, SLA: p, Version: ti.Version, UpdatedAt: ti.UpdatedAt}, nil
}

// GetTeam reads one team; CodeNotFound when it has no item.
func (s *Store) GetTeam(ctx context.Context, id string) (teams.Team, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: teamKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return teams.Team{}, unavailable(err, "read team")
	}
	if out.Item == nil {
		return teams.Team{}, domain.Errorf(domain.CodeNotFound, "team %s not found", id)
	}
	t, err := unmarshalTeam(out.Item)
	if err != nil {
		return t, unavailable(err, "decode team")
	}
	return t, nil
}

// ListTeams lists every stored team by id.
func (s *Store) ListTeams(ctx context.Context) ([]teams.Team, error) {
	var out []teams.Team
	var start map[string]types.AttributeValue
	for {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(table.GSI2),
			KeyConditionExpression:    aws.String(table.GSI2PK + " = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: gsiTeams}},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, unavailable(err, "list teams")
		}
		items, err := s.itemsOf(ctx, res.Items)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			t, err := unmarshalTeam(it)
			if err != nil {
				return nil, unavailable(err, "decode team")
			}
			out = append(out, t)
		}
		if res.LastEvaluatedKey == nil {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// CreateTeam stores a new team at version 1; CodeConflict if it exists.
func (s *Store) CreateTeam(ctx context.Context, t teams.Team) (teams.Team, error) {
	return s.PutTeam(ctx, t, 0)
}

// PutTeam replaces a team if its stored version is still version (0: the
// team must not exist yet). A changed team is CodeStale, an existing one
// when creating is CodeConflict, a missing one when replacing CodeNotFound.
func (s *Store) PutTeam(ctx context.Context, t teams.Team, version int64) (teams.Team, error) {
	t.Version, t.UpdatedAt, t.Derived = version+1, s.Now(), false
	item, err := marshalTeam(t)
	if err != nil {
		return t, domain.Errorf(domain.CodeInvalid, "team %s cannot be stored: %v", t.ID, err)
	}
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: item, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if version == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		in.ConditionExpression = aws.String("version = :v")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: itoa(version)}}
	}
	if _, err := s.db.PutItem(ctx, in); err != nil {
		var cf *types.ConditionalCheckFailedException
		if !errorsAs(err, &cf) {
			return t, unavailable(err, "save team")
		}
		switch {
		case version == 0:
			return t, domain.Errorf(domain.CodeConflict, "team %s exists; send If-Match with its version to replace it", t.ID)
		case cf.Item == nil:
			return t, domain.Errorf(domain.CodeNotFound, "team %s not found", t.ID)
		default:
			var old teamItem
			_ = attributevalue.UnmarshalMap(cf.Item, &old)
			return t, domain.Errorf(domain.CodeStale, "team %s is at version %d, not %d", t.ID, old.Version, version)
		}
	}
	return t, nil
}
