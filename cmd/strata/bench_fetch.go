package main

// `strata bench consume --mode batches`: a Fetch-level reader. It sends
// Fetch requests straight to each partition's leader, as a replication
// follower does, and walks the record batches it gets without decoding
// their records, so the client's decoding does not bound the measured rate.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/internal/perf"
)

const (
	// fetchBuffers is how many responses a reader holds at once.
	fetchBuffers = 2
	// fetchMaxWaitMillis is how long a broker may hold a fetch for data.
	fetchMaxWaitMillis = 500
	// fetchRetryPause is the wait before fetching again after a
	// retriable partition error.
	fetchRetryPause = 100 * time.Millisecond
)

// errBatchCorrupt is returned for a record batch that fails its checks.
var errBatchCorrupt = errors.New("corrupt record batch")

// fetchPart is one partition a batches-mode run reads.
type fetchPart struct {
	id           int32
	next         int64     // the next offset to fetch
	end          int64     // read up to this offset; -1: no end
	failingSince time.Time // start of a run of retriable errors; zero when none
}

func (p *fetchPart) done() bool { return p.end >= 0 && p.next >= p.end }

// fetchPlan is what a batches-mode run reads: per leader broker, the
// partitions it leads.
type fetchPlan struct {
	topicID [16]byte
	leaders map[int32][]*fetchPart
}

// planFetch finds the partitions of topic to read, their leaders and start
// offsets: the earliest with fromBeginning, else the latest. With ends, it
// reads only the partitions ends names, each up to its end offset.
func planFetch(ctx context.Context, s *session, topic string, fromBeginning bool, ends map[int32]int64) (fetchPlan, error) {
	starts, err := startOffsets(ctx, s, topic, fromBeginning)
	if err != nil {
		return fetchPlan{}, err
	}
	var read func(int32) bool // nil: every partition
	if ends != nil {
		read = func(p int32) bool { _, ok := ends[p]; return ok } // the others were empty when the run started
	}
	id, leaders, err := topicLeaders(ctx, s, topic, read)
	if err != nil {
		return fetchPlan{}, err
	}
	plan := fetchPlan{topicID: id, leaders: map[int32][]*fetchPart{}}
	for leader, partitions := range leaders {
		for _, p := range partitions {
			end, bounded := ends[p]
			if !bounded {
				end = -1
			}
			plan.leaders[leader] = append(plan.leaders[leader], &fetchPart{id: p, next: starts[p], end: end})
		}
	}
	return plan, nil
}

// topicLeaders returns topic's id and the partitions that want accepts
// (all when want is nil) by leader, each leader's in partition order; one
// of them without a leader fails it.
func topicLeaders(ctx context.Context, s *session, topic string, want func(int32) bool) ([16]byte, map[int32][]int32, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	md, err := s.adm.Metadata(ctx, topic)
	if err != nil {
		return [16]byte{}, nil, err
	}
	td, ok := md.Topics[topic]
	if !ok || td.Err != nil {
		return [16]byte{}, nil, fmt.Errorf("%w %s", errNoTopic, topic)
	}
	leaders := map[int32][]int32{}
	for _, pd := range td.Partitions.Sorted() {
		if want != nil && !want(pd.Partition) {
			continue
		}
		if pd.Err != nil || pd.Leader < 0 {
			return [16]byte{}, nil, newCLIError(exitFailure, pd.Err,
				"topic %s partition %d has no leader: retry once it has one (see `strata topics describe`)", topic, pd.Partition)
		}
		leaders[pd.Leader] = append(leaders[pd.Leader], pd.Partition)
	}
	return td.ID, leaders, nil
}

// startOffsets lists the earliest (fromBeginning) or latest offset of every
// partition of topic.
func startOffsets(ctx context.Context, s *session, topic string, fromBeginning bool) (map[int32]int64, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	list := s.adm.ListEndOffsets
	if fromBeginning {
		list = s.adm.ListStartOffsets
	}
	listed, err := list(ctx, topic)
	if err != nil {
		return nil, err
	}
	offsets := map[int32]int64{}
	var firstErr error
	listed.Each(func(lo kadm.ListedOffset) {
		if lo.Err != nil && firstErr == nil {
			firstErr = lo.Err
		}
		offsets[lo.Partition] = lo.Offset
	})
	return offsets, firstErr
}

// fetchBatches runs a batches-mode read. Throughput is over the time from
// the first fetch to the fetch that returned the last batch.
func (o *consumeOptions) fetchBatches(ctx context.Context, s *session, ends map[int32]int64) (consumeReport, error) {
	plan, err := planFetch(ctx, s, o.topic, o.fromBeginning, ends)
	if err != nil {
		return consumeReport{}, err
	}
	var cancel context.CancelFunc
	if o.duration > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.duration)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	var readers []*leaderReader
	defer func() {
		for _, r := range readers {
			r.conn.Close()
		}
	}()
	for leader, parts := range plan.leaders {
		conn, err := dialLeader(ctx, s, leader)
		if err != nil {
			return consumeReport{}, err
		}
		readers = append(readers, &leaderReader{
			topic: o.topic, topicID: plan.topicID, leader: leader, conn: conn,
			parts: parts, maxBytes: o.fetchMax, partMax: o.partitionMax,
			retryFor: s.cfg.RequestTimeout,
		})
	}
	tally := &fetchTally{start: time.Now(), limit: o.records, stop: cancel}
	for _, r := range readers {
		r.tally = tally
	}
	err = runReaders(ctx, readers)
	r, first := tally.result()
	return consumeReport{
		Mode: modeBatches, Topic: o.topic, Records: r.Records, Bytes: r.Bytes,
		ElapsedSeconds: r.Elapsed.Seconds(), FirstRecordMs: millis(first),
		RecordsPerSecond: r.RecordsPerSecond(), MBPerSecond: r.MBPerSecond(),
	}, err
}

// dialLeader opens a fetch connection to leader, at the highest Fetch
// version both sides speak.
func dialLeader(ctx context.Context, s *session, leader int32) (*fetchConn, error) {
	version, err := fetchVersion(ctx, s, leader)
	if err != nil {
		return nil, err
	}
	addr, err := brokerAddr(ctx, s, leader)
	if err != nil {
		return nil, err
	}
	return dialFetch(ctx, addr, version, s.cfg.ClientID)
}

// runReaders runs the readers, one goroutine each when there are several,
// and waits for all of them; the first failure stops the others.
func runReaders(ctx context.Context, readers []*leaderReader) error {
	switch len(readers) {
	case 0:
		return nil
	case 1:
		return readers[0].run(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(readers))
	var wg sync.WaitGroup
	for i, r := range readers {
		wg.Go(func() {
			if errs[i] = r.run(ctx); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fetchTally adds up what the readers of one run fetched and stops the run
// once it reaches the record limit.
type fetchTally struct {
	start time.Time
	limit int64              // records; 0: none
	stop  context.CancelFunc // ends the run
	mu    struct {
		sync.Mutex
		rate  perf.Rate
		first time.Duration // to the first batch
	}
}

// add counts whole batches one fetch returned.
func (t *fetchTally) add(records, bytes int64) {
	now := time.Since(t.start)
	t.mu.Lock()
	t.mu.rate.Records += records
	t.mu.rate.Bytes += bytes
	t.mu.rate.Elapsed = now
	if t.mu.first == 0 {
		t.mu.first = now
	}
	reached := t.limit > 0 && t.mu.rate.Records >= t.limit
	t.mu.Unlock()
	if reached {
		t.stop()
	}
}

func (t *fetchTally) result() (perf.Rate, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mu.rate, t.mu.first
}

// leaderReader reads the partitions one broker leads, one fetch at a time.
type leaderReader struct {
	topic    string
	topicID  [16]byte
	leader   int32
	conn     *fetchConn
	parts    []*fetchPart
	maxBytes int32
	partMax  int32
	retryFor time.Duration // how long a partition may keep failing retriably
	tally    *fetchTally
	turn     int // rotates the partitions' order from fetch to fetch
	// free holds the response buffers not in use: one being filled by a
	// fetch while the checker reads the other.
	free chan []byte
}

// run fetches until every partition is read to its end or ctx ends; an
// end of ctx is not a failure. As a consumer that hands records to its
// application does, it sends the next fetch as soon as a response's batch
// headers say where it ends, while a second goroutine checks the
// response's CRCs and counts it.
func (r *leaderReader) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	checks := make(chan fetched, 1)
	r.free = make(chan []byte, fetchBuffers)
	for range fetchBuffers {
		r.free <- nil // grown to the response size on first use
	}
	var checkErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if checkErr = r.check(checks); checkErr != nil {
			cancel()
		}
	})
	err := r.fetchLoop(ctx, checks)
	close(checks)
	wg.Wait()
	if checkErr != nil {
		return checkErr
	}
	return err
}

// fetchLoop fetches and hands each response's whole batches to checks.
func (r *leaderReader) fetchLoop(ctx context.Context, checks chan<- fetched) error {
	for ctx.Err() == nil {
		req := r.request()
		if req == nil {
			return nil
		}
		var buf []byte
		select {
		case buf = <-r.free:
		case <-ctx.Done():
			return nil
		}
		resp, buf, err := r.conn.fetch(ctx, req, buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("fetch from broker %d: %w", r.leader, err)
		}
		f, retry, err := r.absorb(resp)
		if err != nil {
			return err
		}
		f.buf = buf
		if len(f.parts) == 0 {
			r.free <- buf
		} else {
			select {
			case checks <- f:
			case <-ctx.Done():
				return nil
			}
		}
		if retry {
			pause(ctx, fetchRetryPause)
		}
	}
	return nil
}

// fetched is the whole batches of one fetch response, their CRCs not yet
// checked.
type fetched struct {
	buf     []byte // the response they are in, back to free once checked
	parts   []fetchedPart
	records int64
	bytes   int64
}

type fetchedPart struct {
	id      int32
	batches []byte
}

// check checks the CRCs of what the fetch loop hands it and counts it,
// until checks closes or a CRC fails.
func (r *leaderReader) check(checks <-chan fetched) error {
	for f := range checks {
		for _, p := range f.parts {
			if err := checkCRCs(p.batches); err != nil {
				return fmt.Errorf("fetch %s partition %d: %w", r.topic, p.id, err)
			}
		}
		r.tally.add(f.records, f.bytes)
		r.free <- f.buf
	}
	return nil
}

// request builds a sessionless fetch of every partition still to be read,
// or nil when there is none. The partitions' order rotates: a broker may
// return an oversized batch only for the first partition with records.
func (r *leaderReader) request() *kmsg.FetchRequest {
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = r.topic, r.topicID
	for i := range r.parts {
		p := r.parts[(r.turn+i)%len(r.parts)]
		if p.done() {
			continue
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p.id, p.next, r.partMax
		rt.Partitions = append(rt.Partitions, rp)
	}
	r.turn++
	if len(rt.Partitions) == 0 {
		return nil
	}
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID, req.ReplicaState.ID = -1, -1
	req.MaxWaitMillis, req.MinBytes, req.MaxBytes = fetchMaxWaitMillis, 1, r.maxBytes
	req.SessionID, req.SessionEpoch = 0, -1
	req.Topics = append(req.Topics, rt)
	return req
}

// absorb walks a fetch response's batch headers and advances the
// partitions; it returns their whole batches, for their CRCs to be checked,
// and reports whether a partition asks for a retry.
func (r *leaderReader) absorb(resp *kmsg.FetchResponse) (fetched, bool, error) {
	var f fetched
	if resp.ErrorCode != 0 {
		retry, err := r.fetchFailed(kerr.ErrorForCode(resp.ErrorCode))
		return f, retry, err
	}
	retry := false
	for _, t := range resp.Topics {
		for i := range t.Partitions {
			rp := &t.Partitions[i]
			p := r.part(rp.Partition)
			if p == nil {
				continue
			}
			w, again, err := r.absorbPartition(p, rp)
			if err != nil {
				return f, false, err
			}
			retry = retry || again
			if w.batches > 0 {
				f.parts = append(f.parts, fetchedPart{id: p.id, batches: rp.RecordBatches[:w.bytes]})
				f.records += w.records
				f.bytes += w.bytes
			}
		}
	}
	return f, retry, nil
}

// fetchFailed handles an error of a whole fetch as one of each partition.
func (r *leaderReader) fetchFailed(err error) (bool, error) {
	if !kerr.IsRetriable(err) {
		return false, brokerError(fmt.Sprintf("fetch %s from broker %d", r.topic, r.leader), err, "")
	}
	for _, p := range r.parts {
		if e := r.retriable(p, err); e != nil {
			return false, e
		}
	}
	return true, nil
}

func (r *leaderReader) part(id int32) *fetchPart {
	for _, p := range r.parts {
		if p.id == id {
			return p
		}
	}
	return nil
}

// absorbPartition walks one partition's batches and advances it past the
// last whole one. It reports whether the partition asks for a retry.
func (r *leaderReader) absorbPartition(p *fetchPart, rp *kmsg.FetchResponseTopicPartition) (batchWalk, bool, error) {
	if rp.ErrorCode != 0 {
		err := kerr.ErrorForCode(rp.ErrorCode)
		if !kerr.IsRetriable(err) {
			return batchWalk{}, false, brokerError(r.at(p), err, "")
		}
		return batchWalk{}, true, r.retriable(p, err)
	}
	p.failingSince = time.Time{}
	w, err := walkBatches(rp.RecordBatches, p.next)
	if err != nil {
		return batchWalk{}, false, fmt.Errorf("fetch %s partition %d: %w", r.topic, p.id, err)
	}
	if w.batches == 0 && rp.HighWatermark > p.next && len(rp.RecordBatches) >= int(r.partMax) {
		return batchWalk{}, false, usageErrorf(
			"%s: --fetch-max-partition-bytes %d is smaller than a batch: raise it", r.at(p), r.partMax)
	}
	p.next = w.next
	return w, false, nil
}

// retriable notes a retriable error of p; it fails once p has kept failing
// for longer than the request timeout.
func (r *leaderReader) retriable(p *fetchPart, err error) error {
	now := time.Now()
	if p.failingSince.IsZero() {
		p.failingSince = now
	}
	if now.Sub(p.failingSince) <= r.retryFor {
		return nil
	}
	return brokerError(fmt.Sprintf("%s: still failing after %v", r.at(p), r.retryFor), err, "")
}

// at names a partition and its fetch offset in messages.
func (r *leaderReader) at(p *fetchPart) string {
	return fmt.Sprintf("fetch %s partition %d at offset %d", r.topic, p.id, p.next)
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Offsets into a record batch of format v2 (magic 2); all integers are
// big-endian.
const (
	batchLengthAt      = 8  // int32: bytes after this field
	batchMagicAt       = 16 // int8
	batchCRCAt         = 17 // uint32: CRC-32C of the bytes from attributes on
	batchAttributesAt  = 21 // int16
	batchLastDeltaAt   = 23 // int32: last offset delta
	batchRecordCountAt = 57 // int32
	batchHeaderLen     = 61
	batchControlFlag   = 0x20 // attributes bit 5: a transaction marker
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batchWalk is what walkBatches found.
type batchWalk struct {
	batches int
	records int64 // from the headers of batches at or past the start offset
	bytes   int64 // whole batches, headers included
	next    int64 // the offset after the last whole batch
}

// walkBatches walks concatenated record batches without decoding their
// records: it checks each batch's magic, length and counts and counts it
// (checkCRCs checks the CRCs of the whole batches it counted). A partial
// batch at the end, where a fetch cut the data, is ignored. Records of
// batches that end before from, and of control batches, are not counted.
func walkBatches(data []byte, from int64) (batchWalk, error) {
	w := batchWalk{next: from}
	for len(data) >= batchMagicAt+1 {
		base := int64(binary.BigEndian.Uint64(data))
		size := int64(batchLengthAt+4) + int64(int32(binary.BigEndian.Uint32(data[batchLengthAt:])))
		if magic := data[batchMagicAt]; magic != 2 {
			return w, fmt.Errorf("%w at offset %d: magic %d, want 2 (format v2)", errBatchCorrupt, base, magic)
		}
		if size < batchHeaderLen {
			return w, fmt.Errorf("%w at offset %d: length %d, want at least %d", errBatchCorrupt, base, size, batchHeaderLen)
		}
		if int64(len(data)) < size {
			break
		}
		b := data[:size]
		data = data[size:]
		count := int32(binary.BigEndian.Uint32(b[batchRecordCountAt:]))
		last := base + int64(int32(binary.BigEndian.Uint32(b[batchLastDeltaAt:])))
		if count < 0 || last < base {
			return w, fmt.Errorf("%w at offset %d: %d records, last offset %d", errBatchCorrupt, base, count, last)
		}
		w.batches++
		w.bytes += size
		control := binary.BigEndian.Uint16(b[batchAttributesAt:])&batchControlFlag != 0
		if last >= from && !control {
			w.records += int64(count)
		}
		w.next = max(w.next, last+1)
	}
	return w, nil
}

// checkCRCs checks the CRC-32C of each of the whole batches in data, as
// walkBatches counted them.
func checkCRCs(data []byte) error {
	for len(data) >= batchHeaderLen {
		size := int(batchLengthAt+4) + int(int32(binary.BigEndian.Uint32(data[batchLengthAt:])))
		if size < batchHeaderLen || size > len(data) {
			return fmt.Errorf("%w at offset %d: length %d", errBatchCorrupt, int64(binary.BigEndian.Uint64(data)), size)
		}
		b := data[:size]
		data = data[size:]
		if stored, computed := binary.BigEndian.Uint32(b[batchCRCAt:]), crc32.Checksum(b[batchAttributesAt:], castagnoli); stored != computed {
			return fmt.Errorf("%w at offset %d: CRC-32C is %08x, computed %08x",
				errBatchCorrupt, int64(binary.BigEndian.Uint64(b)), stored, computed)
		}
	}
	if len(data) != 0 {
		return fmt.Errorf("%w: %d bytes after the last whole batch", errBatchCorrupt, len(data))
	}
	return nil
}
