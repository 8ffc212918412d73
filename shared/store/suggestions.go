package store

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Possible-duplicate suggestions. A pair of customers that may be one person
// has three items: a note on each customer (C#<id>/D#<other>, read with the
// profile) and the suggestion itself (S#<suggestion id>/S), which sits in the
// supervisors' queue (GSI2 DUPS, newest first by first sighting) while open.
// Writing the same evidence again changes nothing: reasons are a set, the
// first sighting and the status are set only if absent. A dismissed or
// accepted suggestion leaves the queue for good (its GSI2PK becomes
// DUPS#closed), so new evidence adds reasons without reopening it.
const (
	pfxSuggestion     = "S#"
	skSuggestion      = "S"
	typeSuggestion    = "suggestion"
	gsiSuggestions    = "DUPS"
	gsiSuggestionsOff = "DUPS#closed"
	// SuggestionIDPrefix names a suggestion: dup_<ulid of one>_<ulid of other>, in order.
	SuggestionIDPrefix = "dup_"
	// Suggestion statuses.
	SuggestionOpen      = "open"
	SuggestionDismissed = "dismissed"
	SuggestionMerged    = "merged"
)

// Suggestion is a possible duplicate a supervisor accepts (merge) or dismisses.
type Suggestion struct {
	ID          string    `json:"id" dynamodbav:"suggestionId"`
	CustomerIDs []string  `json:"customerIds" dynamodbav:"customerIds"`
	Reasons     []string  `json:"reasons" dynamodbav:"reasons,stringset"`
	FirstSeen   time.Time `json:"firstSeen" dynamodbav:"firstSeen"`
	LastSeen    time.Time `json:"lastSeen" dynamodbav:"lastSeen"`
	Status      string    `json:"status" dynamodbav:"status"`
	ClosedBy    string    `json:"closedBy,omitempty" dynamodbav:"closedBy,omitempty"`
	ClosedAt    time.Time `json:"closedAt,omitzero" dynamodbav:"closedAt,omitempty"`
}

// DuplicateNote is a suggestion as one of its customers sees it.
type DuplicateNote struct {
	OtherCustomerID string    `json:"otherCustomerId" dynamodbav:"otherCustomerId"`
	SuggestionID    string    `json:"suggestionId,omitempty" dynamodbav:"suggestionId,omitempty"`
	Reasons         []string  `json:"reasons" dynamodbav:"reasons,omitempty,stringset"`
	FirstSeen       time.Time `json:"firstSeen" dynamodbav:"firstSeen,omitempty"`
	Status          string    `json:"status,omitempty" dynamodbav:"status,omitempty"`
}

// SuggestionID is the id of the pair (a, b), whichever order they come in.
func SuggestionID(a, b string) string {
	x, y := strings.TrimPrefix(a, domain.CustomerIDPrefix), strings.TrimPrefix(b, domain.CustomerIDPrefix)
	if y < x {
		x, y = y, x
	}
	return SuggestionIDPrefix + x + "_" + y
}

// suggestionPair returns the two customer ids a well-formed suggestion id names.
func suggestionPair(id string) (string, string, bool) {
	rest, ok := strings.CutPrefix(id, SuggestionIDPrefix)
	if !ok || len(rest) != 2*ulid.EncodedSize+1 || rest[ulid.EncodedSize] != '_' {
		return "", "", false
	}
	a, b := domain.CustomerIDPrefix+rest[:ulid.EncodedSize], domain.CustomerIDPrefix+rest[ulid.EncodedSize+1:]
	if !domain.ValidID(domain.CustomerIDPrefix, a) || !domain.ValidID(domain.CustomerIDPrefix, b) || a == b {
		return "", "", false
	}
	return a, b, true
}

func suggestionKey(id string) map[string]types.AttributeValue {
	return key(pfxSuggestion+id, skSuggestion)
}

// suggestionWrites note that a and b may be one person, for reasons.
func (s *Store) suggestionWrites(a, b string, reasons []string, now time.Time) []types.TransactWriteItem {
	if a == b || len(reasons) == 0 {
		return nil
	}
	sid := SuggestionID(a, b)
	nowAV, _ := attributevalue.Marshal(now)
	rs := &types.AttributeValueMemberSS{Value: uniqueStrings(reasons)}
	note := func(owner, other string) types.TransactWriteItem {
		return types.TransactWriteItem{Update: &types.Update{
			TableName:                &s.table,
			Key:                      key(customerPK(owner), pfxDuplicate+other),
			UpdateExpression:         aws.String("SET #t = :typ, otherCustomerId = :o, suggestionId = :sid, firstSeen = if_not_exists(firstSeen, :now) ADD reasons :r"),
			ExpressionAttributeNames: map[string]string{"#t": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":typ": &types.AttributeValueMemberS{Value: typeDuplicate}, ":o": &types.AttributeValueMemberS{Value: other},
				":sid": &types.AttributeValueMemberS{Value: sid}, ":now": nowAV, ":r": rs,
			},
		}}
	}
	x, y := a, b
	if y < x {
		x, y = y, x
	}
	sug := types.TransactWriteItem{Update: &types.Update{
		TableName: &s.table,
		Key:       suggestionKey(sid),
		UpdateExpression: aws.String("SET #t = :typ, suggestionId = :sid, customerIds = :ids, firstSeen = if_not_exists(firstSeen, :now), lastSeen = :now, " +
			"#st = if_not_exists(#st, :open), " + table.GSI2PK + " = if_not_exists(" + table.GSI2PK + ", :q), " +
			table.GSI2SK + " = if_not_exists(" + table.GSI2SK + ", :qs) ADD reasons :r"),
		ExpressionAttributeNames: map[string]string{"#t": "type", "#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":typ": &types.AttributeValueMemberS{Value: typeSuggestion}, ":sid": &types.AttributeValueMemberS{Value: sid},
			":ids": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: x}, &types.AttributeValueMemberS{Value: y}}},
			":now": nowAV, ":open": &types.AttributeValueMemberS{Value: SuggestionOpen},
			":q":  &types.AttributeValueMemberS{Value: gsiSuggestions},
			":qs": &types.AttributeValueMemberS{Value: now.UTC().Format(sortTime) + "#" + sid},
			":r":  rs,
		},
	}}
	return []types.TransactWriteItem{note(a, b), note(b, a), sug}
}

// Suggest records (outside any other write) that a and b may be one person.
func (s *Store) Suggest(ctx context.Context, a, b string, reasons []string) error {
	w := s.suggestionWrites(a, b, reasons, s.Now())
	if len(w) == 0 {
		return nil
	}
	return s.transact(ctx, w, "note possible duplicate")
}

func uniqueStrings(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// DuplicateNotes lists the open suggestions that name customer id.
func (s *Store) DuplicateNotes(ctx context.Context, id string) ([]DuplicateNote, error) {
	all, err := s.allDuplicateNotes(ctx, id)
	if err != nil {
		return nil, err
	}
	notes := []DuplicateNote{}
	for _, n := range all {
		if n.Status != "" && n.Status != SuggestionOpen {
			continue
		}
		sort.Strings(n.Reasons)
		notes = append(notes, n)
	}
	return notes, nil
}

// PossibleDuplicates lists the customers with an open suggestion naming id.
func (s *Store) PossibleDuplicates(ctx context.Context, id string) ([]string, error) {
	notes, err := s.DuplicateNotes(ctx, id)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(notes))
	for _, n := range notes {
		ids = append(ids, n.OtherCustomerID)
	}
	return ids, nil
}

// GetSuggestion reads one suggestion.
func (s *Store) GetSuggestion(ctx context.Context, id string) (Suggestion, error) {
	if _, _, ok := suggestionPair(id); !ok {
		return Suggestion{}, domain.Errorf(domain.CodeInvalid, "malformed suggestion id")
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: suggestionKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Suggestion{}, unavailable(err, "read suggestion")
	}
	if out.Item == nil {
		return Suggestion{}, domain.Errorf(domain.CodeNotFound, "suggestion %s not found", id)
	}
	var sg Suggestion
	if err := attributevalue.UnmarshalMap(out.Item, &sg); err != nil {
		return Suggestion{}, unavailable(err, "decode suggestion")
	}
	sort.Strings(sg.Reasons)
	return sg, nil
}

// OpenSuggestions is the supervisors' queue: open suggestions, newest first.
func (s *Store) OpenSuggestions(ctx context.Context, limit int, cursor string) ([]Suggestion, string, error) {
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(table.GSI2),
		KeyConditionExpression: aws.String(table.GSI2PK + " = :q"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":q": &types.AttributeValueMemberS{Value: gsiSuggestions},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(limit)),
	}
	if cursor != "" {
		sk, sid, err := decodeSuggestionCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			table.PK: &types.AttributeValueMemberS{Value: pfxSuggestion + sid}, table.SK: &types.AttributeValueMemberS{Value: skSuggestion},
			table.GSI2PK: &types.AttributeValueMemberS{Value: gsiSuggestions}, table.GSI2SK: &types.AttributeValueMemberS{Value: sk},
		}
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", unavailable(err, "list suggestions")
	}
	items, err := s.itemsOf(ctx, out.Items)
	if err != nil {
		return nil, "", err
	}
	list := []Suggestion{}
	for _, it := range items {
		var sg Suggestion
		if err := attributevalue.UnmarshalMap(it, &sg); err != nil {
			return nil, "", unavailable(err, "decode suggestion")
		}
		sort.Strings(sg.Reasons)
		list = append(list, sg)
	}
	next := ""
	if out.LastEvaluatedKey != nil {
		next = encodeCursor(gsiSuggestions, str(out.LastEvaluatedKey, table.GSI2SK))
	}
	return list, next, nil
}

// decodeSuggestionCursor reads what OpenSuggestions' next cursor holds:
// the queue's sort key "<first seen>#<suggestion id>". The timeline's
// decoder expects a touchpoint key and refused every such cursor.
func decodeSuggestionCursor(cursor string) (sk, sid string, err error) {
	bad := domain.Errorf(domain.CodeInvalid, "malformed cursor")
	raw, derr := base64.RawURLEncoding.DecodeString(cursor)
	if derr != nil {
		return "", "", bad
	}
	sk, ok := strings.CutPrefix(string(raw), cursorVersion+gsiSuggestions+".")
	if !ok {
		return "", "", bad
	}
	at, sid, ok := strings.Cut(sk, "#")
	if _, terr := time.Parse(sortTime, at); !ok || terr != nil {
		return "", "", bad
	}
	if _, _, ok := suggestionPair(sid); !ok {
		return "", "", bad
	}
	return sk, sid, nil
}

// CloseSuggestion takes an open suggestion out of the queue as dismissed or
// merged, with who closed it. Closing a closed one changes nothing and is
// not an error when the status matches.
func (s *Store) CloseSuggestion(ctx context.Context, id, status, by string) (Suggestion, error) {
	a, b, ok := suggestionPair(id)
	if !ok {
		return Suggestion{}, domain.Errorf(domain.CodeInvalid, "malformed suggestion id")
	}
	now := s.Now()
	nowAV, _ := attributevalue.Marshal(now)
	st := &types.AttributeValueMemberS{Value: status}
	noteClose := func(owner, other string) types.TransactWriteItem {
		return types.TransactWriteItem{Update: &types.Update{
			TableName: &s.table, Key: key(customerPK(owner), pfxDuplicate+other),
			UpdateExpression:          aws.String("SET #st = :st"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":st": st},
		}}
	}
	err := s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.table, Key: suggestionKey(id),
			UpdateExpression:         aws.String("SET #st = :st, closedBy = :by, closedAt = :now, " + table.GSI2PK + " = :off"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :open"),
			ExpressionAttributeNames: map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":st": st, ":by": &types.AttributeValueMemberS{Value: by}, ":now": nowAV,
				":off": &types.AttributeValueMemberS{Value: gsiSuggestionsOff}, ":open": &types.AttributeValueMemberS{Value: SuggestionOpen},
			},
		}},
		noteClose(a, b), noteClose(b, a),
	}, "close suggestion")
	if err != nil && domain.ErrorCode(err) != domain.CodeStale && domain.ErrorCode(err) != domain.CodeConflict {
		return Suggestion{}, err
	}
	sg, gerr := s.GetSuggestion(ctx, id)
	if gerr != nil {
		return Suggestion{}, gerr
	}
	if err != nil && sg.Status != status {
		return sg, domain.Errorf(domain.CodeConflict, "suggestion %s is %s", id, sg.Status)
	}
	return sg, nil
}
