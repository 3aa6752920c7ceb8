package handler

// DescribeLogDirs, versions 0-4.
//
// Strata has one log directory, the data directory, holding every
// partition: the answer lists it with the size of each partition asked for
// (all of them for a null topic list; partitions not held here are left
// out, as in Kafka) and an offset lag of 0, since this broker leads every
// partition it holds. Version 1 changed nothing on the wire, 2 added
// flexible encoding, 3 a top-level error code, 4 the volume's total and
// usable bytes, read with statfs.

import (
	"context"
	"slices"
	"syscall"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication"
)

func init() { register(kmsg.DescribeLogDirs.Int16(), 0, 4, (*Handler).describeLogDirs) }

func (h *Handler) describeLogDirs(_ context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.DescribeLogDirsRequest)
	resp := kmsg.NewPtrDescribeLogDirsResponse()
	dir := kmsg.NewDescribeLogDirsResponseDir()
	dir.Dir = h.deps.Partitions.DataDir()
	if total, usable, err := volumeBytes(dir.Dir); err == nil {
		dir.TotalBytes, dir.UsableBytes = total, usable
	} else {
		h.log.Warn("handler: reading the data directory's volume", "dir", dir.Dir, "err", err)
		dir.ErrorCode = kerr.KafkaStorageError.Code
	}
	wanted := wantedLogDirPartitions(r.Topics)
	for _, p := range h.deps.Partitions.Partitions() {
		if wanted != nil && !slices.Contains(wanted[p.Topic()], p.Index()) {
			continue
		}
		addLogDirPartition(&dir, p)
	}
	resp.Dirs = append(resp.Dirs, dir)
	return resp, nil
}

// wantedLogDirPartitions indexes the partitions asked for; nil asks for all.
func wantedLogDirPartitions(topics []kmsg.DescribeLogDirsRequestTopic) map[string][]int32 {
	if topics == nil {
		return nil
	}
	wanted := make(map[string][]int32, len(topics))
	for _, t := range topics {
		wanted[t.Topic] = append(wanted[t.Topic], t.Partitions...)
	}
	return wanted
}

// addLogDirPartition adds p to the answer; Partitions lists them sorted,
// so a topic's partitions arrive together.
func addLogDirPartition(dir *kmsg.DescribeLogDirsResponseDir, p *replication.Partition) {
	if n := len(dir.Topics); n == 0 || dir.Topics[n-1].Topic != p.Topic() {
		t := kmsg.NewDescribeLogDirsResponseDirTopic()
		t.Topic = p.Topic()
		dir.Topics = append(dir.Topics, t)
	}
	t := &dir.Topics[len(dir.Topics)-1]
	part := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
	part.Partition, part.Size = p.Index(), p.Size()
	t.Partitions = append(t.Partitions, part)
}

// volumeBytes returns the total size of the volume holding dir and the
// bytes an unprivileged writer may still use.
func volumeBytes(dir string) (total, usable int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1, -1, err
	}
	return int64(st.Blocks) * int64(st.Bsize), int64(st.Bavail) * int64(st.Bsize), nil
}
