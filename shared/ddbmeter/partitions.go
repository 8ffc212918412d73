package ddbmeter

import (
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

// Write units per partition key. A partition takes at most 1,000 write units
// a second, and an index partition that throttles throttles the table writes
// behind it, so the meter (with PerKey set) also attributes every write to
// the partition keys it lands on, the way AWS bills them:
//
//   - the base item: its size in started KB (twice in a transaction; a write
//     whose condition fails, one unit), on the item's PK;
//   - each index entry it puts, rewrites or deletes, one unit (the entries
//     here are all under 1 KB) on the index's partition key: an entry is
//     rewritten when the write names one of the index's keys or projected
//     attributes (table.Index.Include), and a key that moves is a delete on
//     the old partition and a put on the new one.
//
// An update's old index keys are not in its request: the meter remembers the
// index keys of every item written through it (a shadow of the table's
// index keys), so metering starts with the items a run creates.

// KeyUnits is write units by partition key: the base table's PK as is, an
// index's as "<index> <partition key>" (GSI2 SLA#3).
type KeyUnits map[string]float64

// Hottest is the key with the most units (the smallest key on a tie) and the
// total over all keys.
func (k KeyUnits) Hottest() (key string, units, total float64) {
	keys := make([]string, 0, len(k))
	for key, u := range k {
		keys = append(keys, key)
		total += u
	}
	sort.Strings(keys)
	for _, key2 := range keys {
		if k[key2] > units {
			key, units = key2, k[key2]
		}
	}
	return key, units, total
}

var (
	dayPattern   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	countPattern = regexp.MustCompile(`^\d{1,4}$`)
)

// idAfter are the key prefixes whose next segment is always an id (customer,
// conversation, agent, thread, quiet window, feedback, lease names are kept).
var idAfter = map[string]bool{"C": true, "V": true, "A": true, "AGENT": true, "T": true, "Q": true, "F": true, "FC": true, "S": true}

// KeyPattern is a partition key with its ids replaced, so a report names no
// customer: C#cus_01J… is C#<id>, I#phone#+84… is I#phone#<id>, SLA#3 is
// SLA#<n>, MET#2026-11-30#3 is MET#<day>#<n>; team names and statuses stay.
func KeyPattern(key string) string {
	index, pk := "", key
	if i := strings.IndexByte(key, ' '); i >= 0 {
		index, pk = key[:i+1], key[i+1:]
	}
	segs := strings.Split(pk, "#")
	for i := 1; i < len(segs); i++ {
		s := segs[i]
		switch {
		case i == 1 && idAfter[segs[0]]:
			segs[i] = "<id>"
		case dayPattern.MatchString(s):
			segs[i] = "<day>"
		case countPattern.MatchString(s):
			segs[i] = "<n>"
		case strings.ContainsAny(s, "0123456789_.@+:/"):
			segs[i] = "<id>"
		}
	}
	return index + strings.Join(segs, "#")
}

// keyLedger is the per-key state of a Meter: the units and the shadow of
// every item's index keys. Guarded by the Meter's mutex.
type keyLedger struct {
	units  KeyUnits
	shadow map[string]map[string]string // item ("PK\x00SK") -> index key attribute -> value
}

// write is one item write of a request, as the ledger bills it.
type write struct {
	key      map[string]types.AttributeValue // the item's primary key
	put      map[string]types.AttributeValue // a put's whole item
	update   *updateExpr                     // an update's parsed expression
	delete   bool
	baseSize int // bytes the base write is billed by
	tx       bool
}

// writesOf lists the item writes of a successful request.
func writesOf(params any) []write {
	switch in := params.(type) {
	case *dynamodb.PutItemInput:
		return []write{{key: keyOf(in.Item), put: in.Item, baseSize: itemSize(in.Item)}}
	case *dynamodb.UpdateItemInput:
		u := parseUpdate(aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		return []write{{key: in.Key, update: u, baseSize: itemSize(in.Key) + itemSize(in.ExpressionAttributeValues)}}
	case *dynamodb.DeleteItemInput:
		return []write{{key: in.Key, delete: true, baseSize: itemSize(in.Key)}}
	case *dynamodb.BatchWriteItemInput:
		var out []write
		for _, reqs := range in.RequestItems {
			for _, r := range reqs {
				switch {
				case r.PutRequest != nil:
					out = append(out, write{key: keyOf(r.PutRequest.Item), put: r.PutRequest.Item, baseSize: itemSize(r.PutRequest.Item)})
				case r.DeleteRequest != nil:
					out = append(out, write{key: r.DeleteRequest.Key, delete: true, baseSize: itemSize(r.DeleteRequest.Key)})
				}
			}
		}
		return out
	case *dynamodb.TransactWriteItemsInput:
		var out []write
		for _, a := range in.TransactItems {
			switch {
			case a.Put != nil:
				out = append(out, write{key: keyOf(a.Put.Item), put: a.Put.Item, baseSize: itemSize(a.Put.Item), tx: true})
			case a.Update != nil:
				u := parseUpdate(aws.ToString(a.Update.UpdateExpression), a.Update.ExpressionAttributeNames, a.Update.ExpressionAttributeValues)
				out = append(out, write{key: a.Update.Key, update: u, baseSize: itemSize(a.Update.Key) + itemSize(a.Update.ExpressionAttributeValues), tx: true})
			case a.Delete != nil:
				out = append(out, write{key: a.Delete.Key, delete: true, baseSize: itemSize(a.Delete.Key), tx: true})
			case a.ConditionCheck != nil:
				out = append(out, write{key: a.ConditionCheck.Key, baseSize: itemSize(a.ConditionCheck.Key), tx: true})
			}
		}
		return out
	}
	return nil
}

func keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{table.PK: item[table.PK], table.SK: item[table.SK]}
}

func sOf(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (l *keyLedger) init() {
	if l.units == nil {
		l.units = KeyUnits{}
	}
	if l.shadow == nil {
		l.shadow = map[string]map[string]string{}
	}
}

// billFailed adds a write whose condition failed: one unit on its item's
// partition, nothing written.
func (l *keyLedger) billFailed(w write) {
	l.init()
	l.units[sOf(w.key[table.PK])]++
}

// bill adds a successful write to the ledger and moves the shadow on.
func (l *keyLedger) bill(w write) {
	l.init()
	pk := sOf(w.key[table.PK])
	base := units(w.baseSize)
	if w.tx {
		base *= 2
	}
	l.units[pk] += base
	if w.put == nil && w.update == nil && !w.delete {
		return // a condition check writes no index
	}
	id := pk + "\x00" + sOf(w.key[table.SK])
	old := l.shadow[id]
	next := map[string]string{}
	touched := map[string]bool{}
	switch {
	case w.put != nil:
		for _, ix := range table.Table().Indexes {
			for _, k := range []string{ix.PartitionKey, ix.SortKey} {
				if v := sOf(w.put[k]); v != "" {
					next[k] = v
				}
			}
		}
		for name := range w.put {
			touched[name] = true
		}
	case w.update != nil:
		for k, v := range old {
			next[k] = v
		}
		for name := range w.update.named {
			touched[name] = true
		}
		for k, v := range w.update.set {
			if v.ifAbsent && old[k] != "" {
				continue
			}
			if v.value != "" {
				next[k] = v.value
			}
		}
		for k := range w.update.removed {
			delete(next, k)
		}
	}
	for _, ix := range table.Table().Indexes {
		was, is := entryKey(ix, old), entryKey(ix, next)
		if w.delete {
			is = ""
		}
		switch {
		case was != "" && is != "" && (was != is || old[ix.SortKey] != next[ix.SortKey]):
			// A moved key (partition or sort): the old entry is deleted, the new one put.
			l.units[ix.Name+" "+was]++
			l.units[ix.Name+" "+is]++
		case was != "" && is != "":
			if rewrites(ix, touched) {
				l.units[ix.Name+" "+is]++
			}
		case was != "":
			l.units[ix.Name+" "+was]++
		case is != "":
			l.units[ix.Name+" "+is]++
		}
	}
	if w.delete || len(next) == 0 {
		delete(l.shadow, id)
	} else {
		l.shadow[id] = next
	}
}

// entryKey is the partition key of the item's entry in ix, or "" when the
// item is not in the index (it lacks one of the index's keys).
func entryKey(ix table.Index, keys map[string]string) string {
	if keys[ix.PartitionKey] == "" || ix.SortKey != "" && keys[ix.SortKey] == "" {
		return ""
	}
	return keys[ix.PartitionKey]
}

// rewrites says whether a write naming these attributes rewrites an entry of
// ix that stays where it is.
func rewrites(ix table.Index, named map[string]bool) bool {
	if named[ix.PartitionKey] || named[ix.SortKey] {
		return true
	}
	for _, a := range ix.Include {
		if named[a] {
			return true
		}
	}
	return false
}

// updateExpr is what the ledger needs of an UpdateExpression: the top-level
// attributes it names, and the string values it sets or removes.
type updateExpr struct {
	named   map[string]bool
	set     map[string]setValue
	removed map[string]bool
}

type setValue struct {
	value    string // the string set ("" when not a plain value)
	ifAbsent bool   // if_not_exists(attr, :v): only when the attribute is absent
}

var clause = regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`)

// parseUpdate reads an UpdateExpression: SET a = :v, b = if_not_exists(b, :w),
// c = c + :one REMOVE d ADD e :n DELETE f :s, with #names resolved.
func parseUpdate(expr string, names map[string]string, values map[string]types.AttributeValue) *updateExpr {
	u := &updateExpr{named: map[string]bool{}, set: map[string]setValue{}, removed: map[string]bool{}}
	attr := func(path string) string {
		path = strings.TrimSpace(path)
		if i := strings.IndexAny(path, ".["); i >= 0 {
			path = path[:i]
		}
		if n, ok := names[path]; ok {
			return n
		}
		return path
	}
	locs := clause.FindAllStringSubmatchIndex(expr, -1)
	for i, loc := range locs {
		end := len(expr)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		kind, body := strings.ToUpper(expr[loc[2]:loc[3]]), expr[loc[1]:end]
		for _, action := range splitTop(body) {
			action = strings.TrimSpace(action)
			if action == "" {
				continue
			}
			switch kind {
			case "SET":
				lhs, rhs, _ := strings.Cut(action, "=")
				name := attr(lhs)
				u.named[name] = true
				rhs = strings.TrimSpace(rhs)
				var v setValue
				if strings.HasPrefix(rhs, "if_not_exists(") {
					v.ifAbsent = true
					if args := splitTop(strings.TrimSuffix(strings.TrimPrefix(rhs, "if_not_exists("), ")")); len(args) == 2 {
						rhs = strings.TrimSpace(args[1])
					}
				}
				if strings.HasPrefix(rhs, ":") && !strings.ContainsAny(rhs, " +-(") {
					v.value = sOf(values[rhs])
				}
				u.set[name] = v
			case "REMOVE":
				name := attr(action)
				u.named[name], u.removed[name] = true, true
			case "ADD", "DELETE":
				u.named[attr(strings.Fields(action)[0])] = true
			}
		}
	}
	return u
}

// splitTop splits s at the commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
