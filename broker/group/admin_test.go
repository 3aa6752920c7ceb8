package group

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

func TestDescribeGroups(t *testing.T) {
	e := newEnv(t)
	ids, _ := e.stableGroup("g", 2, "t")
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Version = 6
	req.Groups = []string{"g", "missing"}
	resp := e.c.DescribeGroups(context.Background(), req)
	g, missing := resp.Groups[0], resp.Groups[1]
	if g.ErrorCode != 0 || g.State != "Stable" || g.Protocol != "range" || g.Members[0].MemberID != ids[0] ||
		g.Members[0].ClientHost != "/127.0.0.1" || len(g.Members[0].ProtocolMetadata) == 0 {
		t.Fatalf("describe %+v", g)
	}
	wantCode(t, "missing v6", missing.ErrorCode, kerr.GroupIDNotFound)
	if missing.State != "Dead" || missing.ErrorMessage == nil {
		t.Fatalf("missing %+v", missing)
	}
	req.Version = 5
	wantCode(t, "missing v5", e.c.DescribeGroups(context.Background(), req).Groups[1].ErrorCode, nil)

	w := e.joinAsync(joinReq("g", ids[0], "t"))
	e.parkedJoins("g", 1)
	d := e.describe("g")
	if d.State != "PreparingRebalance" || d.Protocol != "" || d.Members[0].ProtocolMetadata != nil || d.Members[0].MemberAssignment != nil {
		t.Fatalf("describe while rebalancing %+v", d)
	}
	e.join(joinReq("g", ids[1], "t"))
	await(t, w)
}

func TestListGroups(t *testing.T) {
	e := newEnv(t)
	e.stableGroup("stable", 1, "t")
	wantCode(t, "commit", e.commit(commitReq("simple", "", -1, 1)), nil)
	e.newMember("pending") // a group with a pending member id exists, as in Kafka
	list := func(version int16, states, types []string) []string {
		req := kmsg.NewPtrListGroupsRequest()
		req.Version, req.StatesFilter, req.TypesFilter = version, states, types
		resp := e.c.ListGroups(context.Background(), req)
		wantCode(t, "list", resp.ErrorCode, nil)
		var out []string
		for _, g := range resp.Groups {
			out = append(out, g.Group+":"+g.GroupState+":"+g.ProtocolType+":"+g.GroupType)
		}
		return out
	}
	all := list(5, nil, nil)
	if !slices.Equal(all, []string{"pending:Empty::classic", "simple:Empty::classic", "stable:Stable:consumer:classic"}) {
		t.Fatalf("all groups %v", all)
	}
	if got := list(4, []string{"stable"}, nil); len(got) != 1 || got[0][:6] != "stable" {
		t.Fatalf("stable groups %v", got)
	}
	if got := list(5, nil, []string{"consumer"}); len(got) != 0 {
		t.Fatalf("consumer-type groups %v", got)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Config){
		func(c *Config) { c.InitialRebalanceDelay = -1 },
		func(c *Config) { c.MinSessionTimeout = 0 },
		func(c *Config) { c.MaxSessionTimeout = time.Second },
		func(c *Config) { c.MaxSize = 0 },
		func(c *Config) { c.OffsetsRetention = time.Second },
		func(c *Config) { c.OffsetsRetentionCheckInterval = 0 },
		func(c *Config) { c.OffsetMetadataMaxBytes = -1 },
		func(c *Config) { c.OffsetCommitTimeout = 0 },
		func(c *Config) { c.NewMemberJoinTimeout = 0 },
		func(c *Config) { c.TimerTick = 0 },
	}
	for i, mod := range bad {
		cfg := DefaultConfig()
		mod(&cfg)
		if err := cfg.Validate(); !errors.Is(err, ErrConfig) {
			t.Fatalf("case %d: %v", i, err)
		}
		if _, err := New(cfg, NewMemStore(1)); !errors.Is(err, ErrConfig) {
			t.Fatalf("New case %d: %v", i, err)
		}
	}
	if _, err := New(DefaultConfig(), nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("New without a store: %v", err)
	}
}

func TestMemStore(t *testing.T) {
	s := NewMemStore(2)
	ctx := context.Background()
	recs := []batch.Record{{Key: []byte("k1"), Value: []byte("v1")}, {Key: []byte("k2"), OffsetDelta: 1}}
	if err := s.Append(ctx, 1, recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, 2, recs); err == nil {
		t.Fatal("append outside the partitions")
	}
	var got []string
	err := s.Replay(ctx, 1, func(k, v []byte) error {
		got = append(got, string(k)+"="+string(v)+map[bool]string{true: "(null)"}[v == nil])
		return nil
	})
	if err != nil || !slices.Equal(got, []string{"k1=v1", "k2=(null)"}) {
		t.Fatalf("replayed %v, %v", got, err)
	}
	stop := errors.New("stop")
	if err := s.Replay(ctx, 1, func(k, v []byte) error { return stop }); err != stop {
		t.Fatalf("replay error %v", err)
	}
}

// A real timer loop, not the test's ticks, completes the initial delay.
func TestTimerLoop(t *testing.T) {
	cfg := DefaultConfig()
	cfg.InitialRebalanceDelay = 10 * time.Millisecond
	cfg.TimerTick = time.Millisecond
	c, err := New(cfg, NewMemStore(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	req := joinReq("g", "")
	req.Version = 3
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.JoinGroup(ctx, "client", "host", req)
	if err != nil || resp.ErrorCode != 0 || resp.Generation != 1 {
		t.Fatalf("join %+v %v", resp, err)
	}
}
