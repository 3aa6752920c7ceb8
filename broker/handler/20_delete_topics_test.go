package handler

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication/controller"
)

func TestDeleteTopicsByName(t *testing.T) {
	for v := int16(0); v <= 5; v++ {
		cluster := newAdminCluster(1)
		cluster.addTopic("a", 1, 1, nil)
		cluster.addTopic("dup", 1, 1, nil)
		cluster.addTopic("__consumer_offsets", 1, 1, nil)
		h := newAdminHandler(t, cluster, nil)
		r := kmsg.NewPtrDeleteTopicsRequest()
		r.Version = v
		r.TopicNames = []string{"a", "missing", "dup", "__consumer_offsets", "dup"}
		resp := adminServe[*kmsg.DeleteTopicsResponse](t, h, r)
		want := []int16{0, kerr.UnknownTopicOrPartition.Code, kerr.InvalidRequest.Code,
			kerr.InvalidTopicException.Code, kerr.InvalidRequest.Code}
		if len(resp.Topics) != len(want) {
			t.Fatalf("v%d: %d results", v, len(resp.Topics))
		}
		for i, dt := range resp.Topics {
			if dt.ErrorCode != want[i] || adminStr(dt.Topic) != r.TopicNames[i] {
				t.Errorf("v%d %s: error %d, want %d", v, adminStr(dt.Topic), dt.ErrorCode, want[i])
			}
			if v >= 5 && want[i] != 0 && dt.ErrorMessage == nil {
				t.Errorf("v%d %s: no error message", v, adminStr(dt.Topic))
			}
		}
		img := cluster.Image()
		if _, ok := img.Topic("a"); ok {
			t.Errorf("v%d: a not deleted", v)
		}
		if _, ok := img.Topic("dup"); !ok {
			t.Errorf("v%d: a duplicated name was deleted", v)
		}
	}
}

func TestDeleteTopicsV6(t *testing.T) {
	cluster := newAdminCluster(1)
	a := cluster.addTopic("a", 1, 1, nil)
	h := newAdminHandler(t, cluster, nil)
	r := kmsg.NewPtrDeleteTopicsRequest()
	r.Version = 6
	add := func(name *string, id [16]byte) {
		rt := kmsg.NewDeleteTopicsRequestTopic()
		rt.Topic, rt.TopicID = name, id
		r.Topics = append(r.Topics, rt)
	}
	add(kmsg.StringPtr("a"), [16]byte{})
	add(kmsg.StringPtr("b"), [16]byte{9})
	add(nil, [16]byte{})
	add(nil, [16]byte{7, 7})
	resp := adminServe[*kmsg.DeleteTopicsResponse](t, h, r)
	want := []int16{0, kerr.InvalidRequest.Code, kerr.InvalidRequest.Code, kerr.UnknownTopicID.Code}
	for i, dt := range resp.Topics {
		if dt.ErrorCode != want[i] {
			t.Errorf("entry %d: error %d %s, want %d", i, dt.ErrorCode, adminStr(dt.ErrorMessage), want[i])
		}
	}
	if resp.Topics[0].TopicID != a.ID {
		t.Errorf("deleted topic's id %v, want %v", resp.Topics[0].TopicID, a.ID)
	}
	if resp.Topics[3].TopicID != [16]byte{7, 7} || resp.Topics[3].Topic != nil {
		t.Errorf("unknown id entry = %+v", resp.Topics[3])
	}
}

func TestDeleteTopicsNotController(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.addTopic("a", 1, 1, nil)
	cluster.failWith(fmt.Errorf("%w: node 2 leads", controller.ErrNotController))
	h := newAdminHandler(t, cluster, nil)
	r := kmsg.NewPtrDeleteTopicsRequest()
	r.Version = 4
	r.TopicNames = []string{"a"}
	resp := adminServe[*kmsg.DeleteTopicsResponse](t, h, r)
	if code := resp.Topics[0].ErrorCode; code != kerr.NotController.Code {
		t.Errorf("error %d, want NOT_CONTROLLER", code)
	}
}
