package handler

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

// adminController opens a single-node controller in a temporary directory
// and registers broker 1 at addr.
func adminController(t *testing.T, addr *net.TCPAddr) *controller.Controller {
	t.Helper()
	cfg := controller.DefaultConfig()
	cfg.NodeID, cfg.Dir = 1, t.TempDir()
	c, err := controller.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b := controller.Broker{ID: 1, Host: "127.0.0.1", Port: 9092}
	if addr != nil {
		b.Port = int32(addr.Port)
	}
	if err := c.RegisterBroker(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAdminTopicIDsWithController covers the lookups by topic id, which
// need the real controller's indexed images.
func TestAdminTopicIDsWithController(t *testing.T) {
	c := adminController(t, nil)
	h := newAdminHandler(t, c, nil)

	create := adminServe[*kmsg.CreateTopicsResponse](t, h, adminCreateTopicsRequest(7, false,
		adminNewTopic{name: "a", partitions: 2, rf: 1}, adminNewTopic{name: "b", partitions: 1, rf: 3}))
	id := create.Topics[0].TopicID
	if create.Topics[0].ErrorCode != 0 || controller.TopicID(id).IsZero() {
		t.Fatalf("create a: %+v", create.Topics[0])
	}
	if b := create.Topics[1]; b.ErrorCode != kerr.InvalidReplicationFactor.Code || !strings.Contains(adminStr(b.ErrorMessage), "larger than available brokers: 1") {
		t.Errorf("create b: error %d %q", b.ErrorCode, adminStr(b.ErrorMessage))
	}

	md := adminMetadataRequest(12)
	rt := kmsg.NewMetadataRequestTopic()
	rt.TopicID = id
	md.Topics = []kmsg.MetadataRequestTopic{rt}
	resp := adminServe[*kmsg.MetadataResponse](t, h, md)
	if mt := resp.Topics[0]; mt.ErrorCode != 0 || adminStr(mt.Topic) != "a" || len(mt.Partitions) != 2 || mt.Partitions[0].Leader != 1 {
		t.Errorf("metadata by id: %+v", mt)
	}

	del := kmsg.NewPtrDeleteTopicsRequest()
	del.Version = 6
	dt := kmsg.NewDeleteTopicsRequestTopic()
	dt.TopicID = id
	del.Topics = []kmsg.DeleteTopicsRequestTopic{dt}
	if got := adminServe[*kmsg.DeleteTopicsResponse](t, h, del).Topics[0]; got.ErrorCode != 0 || adminStr(got.Topic) != "a" {
		t.Errorf("delete by id: %+v", got)
	}
	if _, ok := c.Image().Topic("a"); ok {
		t.Error("topic a still exists")
	}
}

// TestAdminWithKadm drives the admin APIs with franz-go's admin client
// through a real listener, against the real controller.
func TestAdminWithKadm(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := adminController(t, ln.Addr().(*net.TCPAddr))
	h := newAdminHandler(t, c, map[string]string{"num.partitions": "2"})
	cfg := wire.DefaultConfig()
	cfg.Versions = h.Versions()
	srv, err := wire.NewServer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; err != nil && !errors.Is(err, wire.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(ln.Addr().String()), kgo.RequestTimeoutOverhead(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if _, err := adm.CreateTopic(ctx, -1, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, "orders"); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 3, nil, "replicated"); !errors.Is(err, kerr.InvalidReplicationFactor) {
		t.Errorf("create with replication factor 3 on one broker: %v", err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"segment.bytes": kadm.StringPtr("1")}, "bad"); !errors.Is(err, kerr.InvalidConfig) {
		t.Errorf("create with a bad config: %v", err)
	}
	topics, err := adm.ListTopics(ctx)
	if err != nil || len(topics) != 1 || len(topics["orders"].Partitions) != 2 {
		t.Fatalf("list: %v %+v", err, topics)
	}

	alter := []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("60000")}}
	if res, err := adm.AlterTopicConfigs(ctx, alter, "orders"); err != nil || res[0].Err != nil {
		t.Fatalf("alter: %v %+v", err, res)
	}
	if res, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "log.segment.bytes", Value: kadm.StringPtr("1048576")}}); err != nil || res[0].Err != nil {
		t.Fatalf("alter broker: %v %+v", err, res)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"retention.ms": "60000", "cleanup.policy": "compact", "segment.bytes": "1048576"}
	seen := 0
	for _, c := range rcs[0].Configs {
		if v, ok := want[c.Key]; ok {
			seen++
			if c.MaybeValue() != v {
				t.Errorf("%s = %s, want %s", c.Key, c.MaybeValue(), v)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("described %d of %d configs: %+v", seen, len(want), rcs)
	}

	if res, err := adm.UpdatePartitions(ctx, 4, "orders"); err != nil || res["orders"].Err != nil {
		t.Fatalf("create partitions: %v %+v", err, res)
	}
	if res, err := adm.DeleteTopics(ctx, "orders"); err != nil || res["orders"].Err != nil {
		t.Fatalf("delete: %v %+v", err, res)
	}
	if _, ok := c.Image().Topic("orders"); ok {
		t.Error("orders still exists")
	}
}
