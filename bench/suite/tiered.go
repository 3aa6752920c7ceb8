package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/internal/perf"
)

// The tiered scenarios' bucket, key prefix and topic.
const (
	benchBucket = "strata-bench"
	tierPrefix  = "tiered"
	coldTopic   = "cold"
)

// uploadRetryBackoff is the tiered broker's wait between failed uploads,
// short so that uploads resume soon after MinIO comes back.
const uploadRetryBackoff = 100 * time.Millisecond

// Rows of the tiered scenarios.
const (
	uploadScenario      = "upload to MinIO (1 partition)"
	coldScenario        = "cold replay from MinIO after local trim, fetch-level reader"
	firstScenario       = "cold replay: time to first record"
	coldRecordsScenario = "cold replay, franz-go consumer (records decoded)"
)

// brokerCacheDir is where, under its data directory, a broker keeps the
// chunks its cold reads fetched (the layout is broker/doc.go's).
const brokerCacheDir = "remote-cache"

// runTiered starts MinIO and a broker that tiers to it, fills a topic
// until its hot tier is trimmed, and measures upload and cold replay.
func (s *suite) runTiered(ctx context.Context) {
	fail := func(err error) {
		s.add(failedRow(uploadScenario, err), failedRow(coldScenario, err),
			failedRow(firstScenario, err), failedRow(coldRecordsScenario, err))
	}
	s.logf("starting MinIO")
	m, err := startMinIO(ctx, s.dir, s.log)
	if err != nil {
		fail(err)
		return
	}
	defer m.stop(stopGrace)
	if err := m.makeBucket(ctx, benchBucket); err != nil {
		fail(err)
		return
	}
	s.logf("starting the tiered broker")
	extra := []string{
		"--object-store", m.objectStoreURL(benchBucket, tierPrefix),
		"--override", "remote.log.manager.task.retry.backoff.ms=" + strconv.FormatInt(uploadRetryBackoff.Milliseconds(), 10),
		"--override", "remote.log.manager.task.retry.backoff.max.ms=" + strconv.FormatInt(uploadRetryBackoff.Milliseconds(), 10),
	}
	b, err := startBroker(ctx, s.cfg.Strata, s.dir, "broker-tiered", append(extra, s.cfg.BrokerArgs...), m.credentialEnv())
	if err != nil {
		fail(fmt.Errorf("%w (these scenarios need `strata serve --object-store`)", err))
		return
	}
	defer b.stop(stopGrace)
	objs, localStart, err := s.uploadScenario(ctx, m, b)
	if err != nil {
		fail(err)
		return
	}
	base, err := s.coldReplayScenario(ctx, m, b, objs, localStart)
	if err != nil {
		s.add(failedRow(coldRecordsScenario, err))
		return
	}
	s.coldRecordsScenario(ctx, b, base, localStart)
}

// uploadScenario produces the cold topic while MinIO is down, so that the
// broker holds every segment back, then brings MinIO back and times the
// uploads until the hot tier is trimmed; it compares that rate with raw
// PUTs of objects of the same sizes. It returns the segment objects and
// the earliest local offset.
func (s *suite) uploadScenario(ctx context.Context, m *minioProc, b *brokerProc) ([]object, int64, error) {
	s.logf("%s: producing %d MiB while MinIO is stopped", uploadScenario, s.cfg.ColdMiB)
	m.stop(stopGrace)
	p, err := s.gen.produce(ctx, b.Addr, s.coldProduceArgs()...)
	if rerr := m.restart(ctx); err == nil {
		err = rerr
	}
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	watch := startUploadWatch(ctx, m.Client, benchBucket, tierPrefix+"/")
	localStart, err := s.waitTrimmed(ctx, b.Addr, p.Records)
	up := watch.stop()
	if err != nil {
		return nil, 0, err
	}
	objs, err := listSegments(ctx, m.Client, benchBucket, tierPrefix+"/")
	if err != nil {
		return nil, 0, err
	}
	if len(objs) == 0 || up.bytes == 0 {
		return nil, 0, fmt.Errorf("suite: the hot tier was trimmed but no %s object is under %s/%s/", segmentSuffix, benchBucket, tierPrefix)
	}
	sizes := make([]int64, len(objs))
	for i, o := range objs {
		sizes[i] = o.Size
	}
	raw, err := rawPuts(ctx, m.Client, benchBucket, "raw-put/", sizes)
	if err != nil {
		s.add(failedRow(uploadScenario, err))
		return objs, localStart, nil
	}
	s.add(Row{
		Scenario: uploadScenario, Figure: Value{perf.MBPerSecond(up.bytes, up.last.Sub(start)), "MB/s"},
		Baseline: Value{raw.MBPerSecond(), "MB/s"}, BaselineName: "raw sequential PUTs of the same object sizes",
		Note: fmt.Sprintf("%d segment objects, %.0f MB, held back by a MinIO outage, timed from its return "+
			"(upload retry backoff %v) to the last object seen (polled every 100 ms)", len(objs), float64(up.bytes)/perf.MB, uploadRetryBackoff),
	})
	return objs, localStart, nil
}

func (s *suite) coldProduceArgs() []string {
	args := s.produceArgs(coldTopic, 1, s.cfg.records(s.cfg.ColdMiB))
	return append(args,
		"--topic-config", "remote.storage.enable=true",
		"--topic-config", "segment.bytes="+strconv.Itoa(s.cfg.SegmentBytes),
		"--topic-config", "local.retention.bytes="+strconv.Itoa(s.cfg.LocalRetention))
}

// coldBaseline is the raw ranged GETs of the cold topic's segment
// objects, the baseline of both cold replays.
type coldBaseline struct {
	rate perf.Rate
	name string
}

// coldReplayScenario reads the cold topic from the start with the
// fetch-level reader and compares with ranged GETs of the same objects,
// and its time to first record with one GET. It returns the GETs, the
// baseline of the replay that follows.
func (s *suite) coldReplayScenario(ctx context.Context, m *minioProc, b *brokerProc, objs []object, localStart int64) (coldBaseline, error) {
	// The first read of a freshly uploaded object comes from MinIO's disk,
	// later ones from the page cache: one unmeasured pass of raw GETs
	// gives the replays and the measured GETs the same start.
	s.logf("%s: reading every object once first", coldScenario)
	if _, err := rawRangedGets(ctx, m.Client, benchBucket, objs, s.cfg.RangeBytes, s.cfg.GetParallel); err != nil {
		s.add(failedRow(coldScenario, err), failedRow(firstScenario, err))
		return coldBaseline{}, err
	}
	replayCPU := startCPU(m.cmd.Process.Pid, b.cmd.Process.Pid)
	c, err := s.gen.consume(ctx, b.Addr, modeBatches, "--topic", coldTopic, "--from-beginning")
	if err != nil {
		s.add(failedRow(coldScenario, err), failedRow(firstScenario, err))
		return coldBaseline{}, err
	}
	replay := replayCPU.stop()
	rawCPU := startCPU(m.cmd.Process.Pid)
	raw, err := rawRangedGets(ctx, m.Client, benchBucket, objs, s.cfg.RangeBytes, s.cfg.GetParallel)
	if err != nil {
		s.add(failedRow(coldScenario, err), failedRow(firstScenario, err))
		return coldBaseline{}, err
	}
	rawSpent := rawCPU.stop()
	base := coldBaseline{rate: raw, name: fmt.Sprintf("raw ranged GETs of the %d segment objects (%s ranges, %d at a time)",
		len(objs), byteSize(int(s.cfg.RangeBytes)), s.cfg.GetParallel)}
	row := coldRow(coldScenario, c, base, localStart)
	row.Note += fmt.Sprintf("; CPU s: MinIO %.2f, broker %.2f, reader %.2f (raw GETs: MinIO %.2f, reader %.2f)",
		replay.procs[0].Seconds(), replay.procs[1].Seconds(), c.CPU.Seconds(), rawSpent.procs[0].Seconds(), rawSpent.self.Seconds())
	s.add(row)
	first, err := firstByte(ctx, m.Client, objs[0], s.cfg.RangeBytes)
	if err != nil {
		s.add(failedRow(firstScenario, err))
		return base, nil
	}
	s.add(Row{
		Scenario: firstScenario, Figure: Value{c.FirstRecordMs, "ms"},
		Baseline: Value{float64(first) / 1e6, "ms"}, BaselineName: "raw GET of the first range",
		Target: Target{OnFigure: true, AtMost: true, Bound: 100},
		Note:   "fetch-level reader, from the start of its run, including its metadata and offset lookups",
	})
	return base, nil
}

// coldRecordsScenario restarts the tiered broker without its chunk cache,
// so that every chunk comes from MinIO again, and replays the cold topic
// with the franz-go consumer, which decodes every record.
func (s *suite) coldRecordsScenario(ctx context.Context, b *brokerProc, base coldBaseline, localStart int64) {
	s.logf("%s (restarting the tiered broker without its chunk cache)", coldRecordsScenario)
	err := b.restart(ctx, func() error {
		if err := os.RemoveAll(filepath.Join(b.DataDir, brokerCacheDir)); err != nil {
			return fmt.Errorf("suite: remove the broker's chunk cache: %w", err)
		}
		return nil
	})
	if err != nil {
		s.add(failedRow(coldRecordsScenario, err))
		return
	}
	c, err := s.gen.consume(ctx, b.Addr, modeRecords, "--topic", coldTopic, "--from-beginning")
	if err != nil {
		s.add(failedRow(coldRecordsScenario, err))
		return
	}
	s.add(coldRow(coldRecordsScenario, c, base, localStart))
}

// coldRow compares a cold replay with the raw GETs. Only the fetch-level
// reader, which does what the GETs do (moves the bytes and checks them),
// has a target.
func coldRow(name string, c consumeResult, base coldBaseline, localStart int64) Row {
	row := Row{
		Scenario: name, Figure: Value{c.MBPerSecond, "MB/s"},
		Baseline: Value{base.rate.MBPerSecond(), "MB/s"}, BaselineName: base.name,
	}
	only := fmt.Sprintf("offsets below %d were only in MinIO", localStart)
	if c.Mode == modeBatches {
		row.Target = Target{Bound: 0.70}
		row.Note = fmt.Sprintf("%d records in %.0f MB of record batches, CRC-checked, not decoded; %s; batch bytes vs object bytes",
			c.Records, float64(c.Bytes)/perf.MB, only)
	} else {
		row.Note = fmt.Sprintf("%d records, each decoded; first record after %.1f ms; the broker was restarted with its chunk cache removed; %s; record bytes vs object bytes",
			c.Records, c.FirstRecordMs, only)
	}
	return row
}

// firstByte times one ranged GET of an object's first range.
func firstByte(ctx context.Context, mc *minio.Client, o object, rangeBytes int64) (time.Duration, error) {
	start := time.Now()
	err := getRange(ctx, mc, benchBucket, rangeJob{key: o.Key, start: 0, end: min(rangeBytes, o.Size) - 1})
	return time.Since(start), err
}

// waitTrimmed polls the cold partition's earliest (-2), earliest local
// (-4) and end (-1) offsets until the hot tier keeps no more than the
// local retention allows, and returns the earliest local offset.
func (s *suite) waitTrimmed(ctx context.Context, addr string, records int64) (int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return 0, fmt.Errorf("suite: client: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.TrimTimeout)
	defer cancel()
	keep := s.cfg.maxLocalBytes() / int64(s.cfg.RecordSize)
	var off [3]int64
	for {
		for i, ts := range []int64{-2, -4, -1} {
			if off[i], err = listOffset(ctx, cl, coldTopic, ts); err != nil {
				break
			}
		}
		if err == nil && off[1] > off[0] && off[2]-off[1] <= keep && off[2] >= records {
			return off[1], nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("suite: hot tier not trimmed after %v (earliest %d, earliest local %d, end %d, last error %v)",
				s.cfg.TrimTimeout, off[0], off[1], off[2], err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// listOffset asks for partition 0's offset at a special timestamp.
func listOffset(ctx context.Context, cl *kgo.Client, topic string, ts int64) (int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = 0, ts, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return 0, err
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return 0, fmt.Errorf("suite: list offsets of %s: malformed answer", topic)
	}
	p := resp.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
		return 0, fmt.Errorf("suite: list offsets (%d) of %s: %w", ts, topic, err)
	}
	return p.Offset, nil
}

// uploadWatch polls the bucket while the broker uploads and remembers when
// the segment bytes last grew.
type uploadWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     struct {
		sync.Mutex
		bytes int64
		last  time.Time
	}
}

// uploadSeen is what a watch saw: the segment bytes and when they last grew.
type uploadSeen struct {
	bytes int64
	last  time.Time
}

func startUploadWatch(ctx context.Context, mc *minio.Client, bucket, prefix string) *uploadWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &uploadWatch{cancel: cancel, done: make(chan struct{})}
	go w.run(ctx, mc, bucket, prefix)
	return w
}

func (w *uploadWatch) run(ctx context.Context, mc *minio.Client, bucket, prefix string) {
	defer close(w.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if objs, err := listSegments(ctx, mc, bucket, prefix); err == nil {
			w.observe(totalSize(objs), time.Now())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *uploadWatch) observe(bytes int64, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes > w.mu.bytes {
		w.mu.bytes, w.mu.last = bytes, now
	}
}

// seen is what the watch has seen so far.
func (w *uploadWatch) seen() uploadSeen {
	w.mu.Lock()
	defer w.mu.Unlock()
	return uploadSeen{bytes: w.mu.bytes, last: w.mu.last}
}

// stop ends the watch, waits for its goroutine and returns what it saw.
func (w *uploadWatch) stop() uploadSeen {
	w.cancel()
	<-w.done
	return w.seen()
}
