package broker

import "testing"

// TestTieredReplay produces over 200 MB into three partitions whose local
// tier keeps only the active segment, waits until the rest is in MinIO,
// and replays everything from offset 0 with franz-go and kcat; again
// after a restart, and again from a fresh broker that restored the topic
// from the bucket alone.
func TestTieredReplay(t *testing.T) {
	requireTool(t, kcatPath, "-V")
	store := newTieredStore(t)
	records := 4400 // x 3 partitions x 16 KiB = 216 MB
	if testing.Short() {
		records = 300
	}
	d := newTieredData("replay", 3, records, 16<<10)
	ctx := testContext(t)
	dir := t.TempDir()
	b := startBroker(t, dir, store.settings(nil))
	createTopic(t, newAdmin(t, b), d.topic, 3, topicConfigs("segment.bytes", "1048576", "local.retention.bytes", "1"))
	d.produce(t, ctx, d.producer(t, b), 0, records)
	tiers := waitTiered(t, ctx, b, d.topic)
	for _, pt := range tiers {
		if pt.LogStartOffset != 0 || pt.LocalStartOffset == 0 || pt.LocalBytes > 2<<20 {
			t.Fatalf("partition %d: start %d, local start %d, %d local bytes: want most of it remote only",
				pt.Partition, pt.LogStartOffset, pt.LocalStartOffset, pt.LocalBytes)
		}
	}
	t.Logf("produced %d MB; remote: %+v", d.totalBytes()>>20, tiers[0].Remote)
	d.consumeAll(t, ctx, b, records)
	d.consumeWithKcat(t, ctx, b, records)

	// A restart serves the same log.
	b.Close()
	b = startBroker(t, dir, store.settings(nil))
	d.consumeAll(t, ctx, b, records)
	b.Close()

	// A fresh broker restores the topic from the bucket alone.
	fresh := startBroker(t, t.TempDir(), store.settings(nil))
	adm := newAdmin(t, fresh)
	resp, err := adm.CreateTopic(ctx, -1, -1, topicConfigs("strata.remote.recovery", "true"), d.topic)
	if err != nil || resp.Err != nil {
		t.Fatalf("restore %s: %v %v", d.topic, err, resp.Err)
	}
	if resp.NumPartitions != 3 {
		t.Fatalf("restored %d partitions, want 3", resp.NumPartitions)
	}
	ends := restoredEnds(t, fresh, d.topic)
	d.consumeEach(t, ctx, fresh, ends)
	// New records follow the restored ones in every partition.
	cl := d.producer(t, fresh)
	for p, end := range ends {
		for i := end; i < end+5; i++ {
			if err := cl.ProduceSync(ctx, d.record(p, i)).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		ends[p] += 5
	}
	d.consumeEach(t, ctx, fresh, ends)
}

// restoredEnds returns where each partition of a restored topic ends:
// where its remote tier does.
func restoredEnds(t *testing.T, b *Broker, topic string) []int {
	t.Helper()
	var ends []int
	for _, pt := range b.Tiers() {
		if pt.Topic != topic {
			continue
		}
		if pt.LogStartOffset != 0 || pt.Remote == nil || pt.LogEndOffset != pt.Remote.EndOffset || pt.LogEndOffset == 0 {
			t.Fatalf("restored partition %d: start %d, end %d, remote %+v", pt.Partition, pt.LogStartOffset, pt.LogEndOffset, pt.Remote)
		}
		ends = append(ends, int(pt.LogEndOffset))
	}
	return ends
}
