package controller

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestApplyChanges(t *testing.T) {
	base := applyAll(t, threeBrokers(t),
		&createTopic{Name: "orders", ID: idOf(1), Replicas: [][]int32{{1, 2}, {2, 3}},
			Configs: map[string]string{"retention.ms": "1000"}},
		&createTopic{Name: "__consumer_offsets", ID: idOf(2), Replicas: [][]int32{{1}}, Internal: true},
	)
	tests := []struct {
		name  string
		cmd   command
		check func(t *testing.T, img *Image, res any)
	}{
		{"register a broker", &registerBroker{ID: 7, Host: "h7", Port: 19092, Rack: "a"}, func(t *testing.T, img *Image, _ any) {
			if got, want := img.Brokers[7], (Broker{ID: 7, Host: "h7", Port: 19092, Rack: "a"}); got != want {
				t.Errorf("broker 7 = %+v, want %+v", got, want)
			}
		}},
		{"re-register a broker", &registerBroker{ID: 1, Host: "moved", Port: 9093}, func(t *testing.T, img *Image, _ any) {
			if got := img.Brokers[1]; got.Host != "moved" || got.Port != 9093 {
				t.Errorf("broker 1 = %+v", got)
			}
		}},
		{"create a topic", &createTopic{Name: "clicks", ID: idOf(3), Replicas: [][]int32{{3, 1}, {1, 2}, {2, 3}}}, func(t *testing.T, img *Image, res any) {
			tp, ok := img.Topic("clicks")
			if !ok || res.(*Topic) != tp {
				t.Fatalf("topic = %v, result %v", tp, res)
			}
			want := []Partition{
				{Index: 0, Replicas: []int32{3, 1}, ISR: []int32{3, 1}, Leader: 3},
				{Index: 1, Replicas: []int32{1, 2}, ISR: []int32{1, 2}, Leader: 1},
				{Index: 2, Replicas: []int32{2, 3}, ISR: []int32{2, 3}, Leader: 2},
			}
			if !reflect.DeepEqual(tp.Partitions, want) || tp.ID != idOf(3) || len(tp.Configs) != 0 {
				t.Errorf("topic = %+v", tp)
			}
			if byID, ok := img.TopicByID(idOf(3)); !ok || byID != tp {
				t.Errorf("TopicByID = %v, %v", byID, ok)
			}
		}},
		{"delete a topic", &deleteTopic{Name: "orders", ID: idOf(1)}, func(t *testing.T, img *Image, _ any) {
			if _, ok := img.Topic("orders"); ok {
				t.Error("orders still exists")
			}
			if _, ok := img.TopicByID(idOf(1)); ok {
				t.Error("orders' id still resolves")
			}
		}},
		{"create partitions", &createPartitions{Name: "orders", ID: idOf(1), Count: 4, Replicas: [][]int32{{3, 1}, {1, 2}}}, func(t *testing.T, img *Image, _ any) {
			tp, _ := img.Topic("orders")
			if len(tp.Partitions) != 4 || tp.Partitions[3].Index != 3 || tp.Partitions[3].Leader != 1 ||
				!reflect.DeepEqual(tp.Partitions[2].ISR, []int32{3, 1}) {
				t.Errorf("partitions = %+v", tp.Partitions)
			}
			if tp.Configs["retention.ms"] != "1000" || tp.ID != idOf(1) {
				t.Errorf("topic lost its id or configs: %+v", tp)
			}
		}},
		{"set topic configs", &setTopicConfigs{Name: "orders", Configs: map[string]string{"cleanup.policy": "compact"}}, func(t *testing.T, img *Image, _ any) {
			tp, _ := img.Topic("orders")
			if !reflect.DeepEqual(tp.Configs, map[string]string{"cleanup.policy": "compact"}) {
				t.Errorf("configs = %v, want replaced", tp.Configs)
			}
		}},
		{"set broker configs", &setBrokerConfigs{Configs: map[string]string{"log.retention.ms": "5"}}, func(t *testing.T, img *Image, _ any) {
			if img.BrokerConfigs["log.retention.ms"] != "5" {
				t.Errorf("broker configs = %v", img.BrokerConfigs)
			}
		}},
		{"allocate producer ids", &allocateProducerIDs{Count: 1000}, func(t *testing.T, img *Image, res any) {
			if res.(int64) != 0 || img.NextProducerID != 1000 {
				t.Errorf("first = %v, next = %d", res, img.NextProducerID)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, res, err := applyCommand(base, 100, entry(t, tc.cmd))
			if err != nil {
				t.Fatal(err)
			}
			if img.Offset != 100 {
				t.Errorf("offset = %d, want the raft index 100", img.Offset)
			}
			tc.check(t, img, res)
		})
	}
}

func TestApplyRefusals(t *testing.T) {
	base := applyAll(t, threeBrokers(t),
		&createTopic{Name: "orders", ID: idOf(1), Replicas: [][]int32{{1, 2}, {2, 3}, {3, 1}}},
		&createTopic{Name: "metrics.cpu", ID: idOf(2), Replicas: [][]int32{{1}}},
		&createTopic{Name: "__consumer_offsets", ID: idOf(3), Replicas: [][]int32{{1}}, Internal: true},
	)
	tests := []struct {
		name string
		cmd  command
		want error
		msg  string
	}{
		{"cluster id twice", &initCluster{ClusterID: "other"}, ErrInvalidRequest, "already test-cluster"},
		{"empty cluster id", &initCluster{}, ErrInvalidRequest, "empty cluster id"},
		{"negative broker id", &registerBroker{ID: -1, Host: "h", Port: 1}, ErrInvalidRequest, "negative"},
		{"broker without host", &registerBroker{ID: 4, Port: 1}, ErrInvalidRequest, "no host"},
		{"broker port 0", &registerBroker{ID: 4, Host: "h"}, ErrInvalidRequest, "port 0"},
		{"broker port too large", &registerBroker{ID: 4, Host: "h", Port: 70000}, ErrInvalidRequest, "port 70000"},
		{"topic exists", &createTopic{Name: "orders", ID: idOf(9), Replicas: [][]int32{{1}}}, ErrTopicExists, "topic 'orders' already exists"},
		{"topic collides", &createTopic{Name: "metrics_cpu", ID: idOf(9), Replicas: [][]int32{{1}}}, ErrInvalidTopic, "topic 'metrics_cpu' collides with existing topic: metrics.cpu"},
		{"illegal topic name", &createTopic{Name: "a/b", ID: idOf(9), Replicas: [][]int32{{1}}}, ErrInvalidTopic, "contains a character other than"},
		{"zero topic id", &createTopic{Name: "new", Replicas: [][]int32{{1}}}, ErrInvalidRequest, "no id"},
		{"topic id in use", &createTopic{Name: "new", ID: idOf(1), Replicas: [][]int32{{1}}}, ErrInvalidRequest, "already topic 'orders'"},
		{"no partitions", &createTopic{Name: "new", ID: idOf(9)}, ErrInvalidPartitions, "larger than 0"},
		{"too many partitions", &createTopic{Name: "new", ID: idOf(9), Replicas: make([][]int32, MaxNewPartitions+1)}, ErrInvalidPartitions, "limit"},
		{"partition without replicas", &createTopic{Name: "new", ID: idOf(9), Replicas: [][]int32{{1}, {}}}, ErrInvalidReplicaAssignment, "partition 1 has no replicas"},
		{"unregistered broker", &createTopic{Name: "new", ID: idOf(9), Replicas: [][]int32{{1, 4}}}, ErrInvalidReplicaAssignment, "unknown broker 4"},
		{"duplicate replica", &createTopic{Name: "new", ID: idOf(9), Replicas: [][]int32{{2, 2}}}, ErrInvalidReplicaAssignment, "duplicate brokers not allowed in replica assignment: 2, 2 for partition id 0"},
		{"uneven replica counts", &createTopic{Name: "new", ID: idOf(9), Replicas: [][]int32{{1, 2}, {3}}}, ErrInvalidReplicaAssignment, "same number of replicas"},
		{"empty config name", &createTopic{Name: "new", ID: idOf(9), Replicas: [][]int32{{1}}, Configs: map[string]string{"": "x"}}, ErrInvalidRequest, "empty config name"},
		{"delete missing topic", &deleteTopic{Name: "nope"}, ErrUnknownTopic, "topic 'nope' does not exist"},
		{"delete recreated topic", &deleteTopic{Name: "orders", ID: idOf(8)}, ErrUnknownTopic, "not"},
		{"delete internal topic", &deleteTopic{Name: "__consumer_offsets"}, ErrInvalidTopic, "cannot delete internal topic"},
		{"partitions of missing topic", &createPartitions{Name: "nope", Count: 2, Replicas: [][]int32{{1}}}, ErrUnknownTopic, "does not exist"},
		{"partitions decrease", &createPartitions{Name: "orders", Count: 2}, ErrInvalidPartitions, "topic currently has 3 partitions, 2 would not be an increase"},
		{"partitions unchanged", &createPartitions{Name: "orders", Count: 3}, ErrInvalidPartitions, "topic already has 3 partitions"},
		{"partitions too many", &createPartitions{Name: "orders", Count: 3 + MaxNewPartitions + 1}, ErrInvalidPartitions, "limit"},
		{"partitions short assignment", &createPartitions{Name: "orders", Count: 5, Replicas: [][]int32{{1, 2}}}, ErrInvalidReplicaAssignment, "increasing the number of partitions by 2 but 1 assignments provided"},
		{"partitions other replication factor", &createPartitions{Name: "orders", Count: 4, Replicas: [][]int32{{1}}}, ErrInvalidReplicaAssignment, "which have 2 replica(s)"},
		{"partitions unregistered broker", &createPartitions{Name: "orders", Count: 4, Replicas: [][]int32{{1, 9}}}, ErrInvalidReplicaAssignment, "unknown broker 9"},
		{"configs of missing topic", &setTopicConfigs{Name: "nope"}, ErrUnknownTopic, "does not exist"},
		{"empty topic config name", &setTopicConfigs{Name: "orders", Configs: map[string]string{"": ""}}, ErrInvalidRequest, "empty config name"},
		{"empty broker config name", &setBrokerConfigs{Configs: map[string]string{"": ""}}, ErrInvalidRequest, "empty config name"},
		{"no producer ids", &allocateProducerIDs{}, ErrInvalidRequest, "block of 0 ids"},
		{"negative producer ids", &allocateProducerIDs{Count: -5}, ErrInvalidRequest, "block of -5 ids"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := encoded(t, base)
			img, res, err := applyCommand(base, 100, entry(t, tc.cmd))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v with %q", err, tc.want, tc.msg)
			}
			if img != base || res != nil {
				t.Errorf("a refused command returned image %p (base %p) and result %v", img, base, res)
			}
			if after := encoded(t, base); after != before {
				t.Errorf("a refused command changed the image:\n%s\n%s", before, after)
			}
		})
	}
}

func TestApplyProducerIDsExhausted(t *testing.T) {
	img := applyAll(t, newImage(), &allocateProducerIDs{Count: math.MaxInt64 - 10})
	img = applyAll(t, img, &allocateProducerIDs{Count: 10})
	if img.NextProducerID != math.MaxInt64 {
		t.Fatalf("next = %d", img.NextProducerID)
	}
	if _, _, err := applyCommand(img, 9, entry(t, &allocateProducerIDs{Count: 1})); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err = %v, want exhausted", err)
	}
}

func TestApplyCopyOnWrite(t *testing.T) {
	old := applyAll(t, threeBrokers(t),
		&createTopic{Name: "a", ID: idOf(1), Replicas: [][]int32{{1}, {2}}, Configs: map[string]string{"k": "v"}},
		&createTopic{Name: "b", ID: idOf(2), Replicas: [][]int32{{3}}},
	)
	before := encoded(t, old)
	oldA := old.Topics["a"]
	next := applyAll(t, old,
		&createPartitions{Name: "a", ID: idOf(1), Count: 3, Replicas: [][]int32{{3}}},
		&setTopicConfigs{Name: "a", Configs: map[string]string{"k": "w"}},
		&deleteTopic{Name: "b", ID: idOf(2)},
		&createTopic{Name: "c", ID: idOf(3), Replicas: [][]int32{{1}}},
		&registerBroker{ID: 4, Host: "h4", Port: 1},
		&setBrokerConfigs{Configs: map[string]string{"x": "y"}},
		&allocateProducerIDs{Count: 5},
	)
	if after := encoded(t, old); after != before {
		t.Fatalf("the old image changed:\n%s\n%s", before, after)
	}
	if old.Topics["a"] != oldA || len(oldA.Partitions) != 2 || oldA.Configs["k"] != "v" {
		t.Errorf("the old topic changed: %+v", oldA)
	}
	if _, ok := old.TopicByID(idOf(2)); !ok {
		t.Error("the old image lost b's id")
	}
	if _, ok := old.TopicByID(idOf(3)); ok {
		t.Error("the old image sees c's id")
	}
	if len(next.Topics["a"].Partitions) != 3 || next.Brokers[4].Host != "h4" {
		t.Errorf("next image = %+v", next)
	}

	// A command that leaves the topics alone shares them all.
	shared := applyAll(t, next, &allocateProducerIDs{Count: 1})
	for name, tp := range next.Topics {
		if shared.Topics[name] != tp {
			t.Errorf("topic %s was copied by a command that did not touch it", name)
		}
	}
	if got, _ := shared.TopicByID(idOf(3)); got != next.Topics["c"] {
		t.Error("shared image lost its id lookup")
	}
	// A command that changes one topic shares the others.
	one := applyAll(t, next, &setTopicConfigs{Name: "a"})
	if one.Topics["c"] != next.Topics["c"] || one.Topics["a"] == next.Topics["a"] {
		t.Error("set_topic_configs should copy a and share c")
	}
}

// TestApplyDeterministic replays one log on two images and compares them.
func TestApplyDeterministic(t *testing.T) {
	log := []command{
		&initCluster{ClusterID: "c"},
		&registerBroker{ID: 2, Host: "h", Port: 1},
		&registerBroker{ID: 1, Host: "h", Port: 1},
		&createTopic{Name: "x", ID: idOf(1), Replicas: [][]int32{{1, 2}}, Configs: map[string]string{"a": "1", "b": "2"}},
		&createTopic{Name: "x", ID: idOf(2), Replicas: [][]int32{{1}}}, // refused: exists
		&createPartitions{Name: "x", ID: idOf(1), Count: 2, Replicas: [][]int32{{2, 1}}},
		&allocateProducerIDs{Count: 3},
	}
	replay := func() *Image {
		img := newImage()
		for i, cmd := range log {
			if next, _, err := applyCommand(img, uint64(i+1), entry(t, cmd)); err == nil {
				img = next
			}
		}
		return img
	}
	a, b := replay(), replay()
	if encoded(t, a) != encoded(t, b) {
		t.Fatalf("replays differ:\n%s\n%s", encoded(t, a), encoded(t, b))
	}
	if a.Offset != 7 || a.NextProducerID != 3 || len(a.Topics["x"].Partitions) != 2 {
		t.Errorf("image = %s", encoded(t, a))
	}
}

func TestDecodeCommandStrict(t *testing.T) {
	tests := []struct {
		name, entry, msg string
	}{
		{"not json", `create_topic`, "command"},
		{"unknown type", `{"type":"drop_database","v":1,"data":{}}`, `unknown command type "drop_database"`},
		{"newer version", `{"type":"allocate_producer_ids","v":2,"data":{"count":1}}`, "version 2"},
		{"unknown field", `{"type":"allocate_producer_ids","v":1,"data":{"count":1,"extra":true}}`, "unknown field"},
		{"unknown envelope field", `{"type":"allocate_producer_ids","v":1,"data":{"count":1},"x":1}`, "unknown field"},
		{"no data", `{"type":"allocate_producer_ids","v":1}`, "allocate_producer_ids"},
		{"trailing data", `{"type":"allocate_producer_ids","v":1,"data":{"count":1}} {}`, "trailing"},
		{"wrong field type", `{"type":"allocate_producer_ids","v":1,"data":{"count":"1"}}`, "allocate_producer_ids"},
		{"bad topic id", `{"type":"delete_topic","v":1,"data":{"name":"a","id":"zz"}}`, "topic id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeCommand([]byte(tc.entry))
			if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want ErrInvalidRequest with %q", err, tc.msg)
			}
		})
	}
}

func TestCommandTypesMatchKinds(t *testing.T) {
	for typ, newCmd := range commandTypes {
		if got := newCmd().kind(); got != typ {
			t.Errorf("commandTypes[%q] makes a %q", typ, got)
		}
	}
}
