package jobs

import (
	"errors"
	"reflect"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
)

func TestEveryJobDecodesAsItself(t *testing.T) {
	for _, j := range []Job{
		Routing{TouchpointID: "tp_1", ConversationID: "con_1", Priority: domain.PriorityHigh, Score: 40},
		Escalation{ConversationID: "con_2", Priority: domain.PriorityUrgent, Event: "breach:first_response@2026-01-01T00:00:00Z"},
		Reroute{ConversationID: "con_3", Priority: domain.PriorityLow, Reason: "agent deactivated"},
		Media{ConversationID: "con_4", CustomerID: "cus_1", TouchpointID: "tp_4", Provider: "telegram", Channel: domain.ChannelTelegram},
	} {
		body, err := Encode(j)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(body)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !reflect.DeepEqual(got, j) {
			t.Errorf("%s decoded as %#v, want %#v", body, got, j)
		}
	}
}

func TestABodyWithoutTypeIsARoutingJob(t *testing.T) {
	got, err := Decode([]byte(`{"touchpointId":"tp_1","conversationId":"con_1","priority":"normal"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := got.(Routing); !ok || r.TouchpointID != "tp_1" {
		t.Fatalf("got %#v", got)
	}
}

func TestUnreadableBodies(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"touchpointId":"tp_1"}`, `{"type":"refund","conversationId":"con_1"}`, `{"type":"escalation","conversationId":"con_1","priority":7}`} {
		if _, err := Decode([]byte(body)); !errors.Is(err, ErrUnreadable) {
			t.Errorf("%q: error %v, want ErrUnreadable", body, err)
		}
	}
}

func TestAnEscalationOfTheOldFormReadsAsAnEscalation(t *testing.T) {
	got, err := Decode([]byte(`{"touchpointId":"","conversationId":"con_1","kind":"escalation","priority":"high"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := got.(Escalation); !ok || e.ConversationID != "con_1" || e.Priority != domain.PriorityHigh {
		t.Fatalf("got %#v", got)
	}
}
