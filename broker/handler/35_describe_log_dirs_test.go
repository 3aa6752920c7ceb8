package handler

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestDescribeLogDirs(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 2), dataTopic("b", 2, 1))
	produceAt(t, s, 10, 1000)
	all := kmsg.NewPtrDescribeLogDirsRequest()
	all.Version = 4
	resp := mustDataServe[*kmsg.DescribeLogDirsResponse](t, s, all)
	if len(resp.Dirs) != 1 {
		t.Fatalf("%d dirs", len(resp.Dirs))
	}
	d := resp.Dirs[0]
	if d.ErrorCode != 0 || d.Dir != s.mgr.DataDir() || d.TotalBytes <= 0 || d.UsableBytes < 0 || d.UsableBytes > d.TotalBytes {
		t.Fatalf("dir %+v", d)
	}
	if len(d.Topics) != 2 || d.Topics[0].Topic != "a" || len(d.Topics[0].Partitions) != 2 || len(d.Topics[1].Partitions) != 1 {
		t.Fatalf("topics %+v", d.Topics)
	}
	if p := d.Topics[0].Partitions[0]; p.Partition != 0 || p.Size == 0 || p.OffsetLag != 0 {
		t.Fatalf("a-0 %+v", p)
	}

	some := kmsg.NewPtrDescribeLogDirsRequest()
	some.Version = 1
	rt := kmsg.NewDescribeLogDirsRequestTopic()
	rt.Topic, rt.Partitions = "a", []int32{1, 9}
	some.Topics = append(some.Topics, rt)
	resp = mustDataServe[*kmsg.DescribeLogDirsResponse](t, s, some)
	if ts := resp.Dirs[0].Topics; len(ts) != 1 || len(ts[0].Partitions) != 1 || ts[0].Partitions[0].Partition != 1 {
		t.Fatalf("a-1 only: %+v", ts)
	}
}
