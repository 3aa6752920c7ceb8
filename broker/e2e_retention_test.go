package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A topic with cleanup.policy=compact (without delete) is never trimmed by
// retention.ms or retention.bytes, as in Kafka: its segments go only by
// compaction. __consumer_offsets is such a topic, and so are the topics of
// Kafka Connect and Schema Registry; deleting their old segments loses
// committed offsets and schemas at the next restart.
//
// Two topics get the same tiny retention.ms and small segments; the one
// named second ("b-delete", retention passes go in name order) shows that
// retention ran over both.
func TestCompactedTopicNotTrimmedByRetention(t *testing.T) {
	b := startBroker(t, t.TempDir(), map[string]string{"log.retention.check.interval.ms": "20"})
	adm := newAdmin(t, b)
	small := func(policy string) map[string]*string {
		return map[string]*string{
			"cleanup.policy": kadm.StringPtr(policy),
			"retention.ms":   kadm.StringPtr("1"),
			"segment.bytes":  kadm.StringPtr("1024"),
		}
	}
	createTopic(t, adm, "a-compact", 1, small("compact"))
	createTopic(t, adm, "b-delete", 1, small("delete"))

	ctx := testContext(t)
	cl := newClient(t, b, kgo.ProducerLinger(0), kgo.MaxBufferedRecords(1))
	value := []byte(strings.Repeat("v", 200))
	for i := range 20 {
		for _, topic := range []string{"a-compact", "b-delete"} {
			key := []byte{byte('a' + i%5)}
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: key, Value: value}).FirstErr(); err != nil {
				t.Fatalf("produce to %s: %v", topic, err)
			}
		}
	}
	deleted, err := b.parts.Partition("b-delete", 0)
	if err != nil {
		t.Fatal(err)
	}
	compacted, err := b.parts.Partition("a-compact", 0)
	if err != nil {
		t.Fatal(err)
	}
	for deleted.LogStartOffset() == 0 {
		if ctx.Err() != nil {
			t.Fatal("retention never trimmed b-delete")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if start := compacted.LogStartOffset(); start != 0 {
		t.Fatalf("cleanup.policy=compact topic trimmed by retention.ms: log start offset %d, want 0", start)
	}
	if n := len(compacted.Log().Segments()); n < 2 {
		t.Fatalf("a-compact has %d segments: the test wants sealed ones for retention to consider", n)
	}
}
