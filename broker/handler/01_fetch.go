package handler

// Fetch, versions 4-18.
//
// Version 4 is the oldest Kafka 4 serves: record batches (magic 2) and the
// isolation level. Version 5 added the log start offset, 7 incremental fetch
// sessions (KIP-227, fetch_sessions.go), 9 the client's current leader epoch
// (KIP-320), 11 the rack (Strata has no follower fetching: the preferred
// read replica is always -1), 12 flexible encoding and diverging epochs,
// 13 topic ids in place of names, 15 the replica state, 16 the current
// leader and its endpoint with NOT_LEADER_OR_FOLLOWER and
// FENCED_LEADER_EPOCH (KIP-951); 17 and 18 add fields only replicas send.
//
// Only consumers are served: a fetch from a broker (replica id >= 0) gets
// NOT_LEADER_OR_FOLLOWER for every partition, Kafka's answer to a replica
// it does not know, until Strata replicates partitions.
//
// A fetch reads its partitions in order, each up to its partition max bytes
// and all together up to the response max bytes, except that the first
// partition with records returns at least one batch (KIP-74). With fewer
// than min bytes it waits, up to max wait, for a partition's high watermark
// to advance, then reads again. The records are written from the segment
// files to the connection, never gathered in memory (fetch_response.go).

import (
	"context"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered"
)

func init() { register(kmsg.Fetch.Int16(), 4, 18, (*Handler).fetch) }

// fetchPartition is what Fetch needs of a partition this broker leads.
type fetchPartition interface {
	// Read returns whole batches from offset on, at most maxBytes of them
	// but at least one, bounded by the high watermark (isolation 0) or the
	// last stable offset (isolation 1). An offset below the log start
	// offset or above the log end offset maps to OFFSET_OUT_OF_RANGE.
	Read(ctx context.Context, offset int64, maxBytes int, isolation int8) (tiered.Records, error)
	HighWatermark() int64
	LastStableOffset() int64
	LogStartOffset() int64
	// LeaderEpoch is the partition's current leader epoch.
	LeaderEpoch() int32
	// Changed is closed when the high watermark next advances.
	Changed() <-chan struct{}
	// EndOffsetForEpoch is the largest epoch at or below epoch and the
	// offset where it ends, as OffsetForLeaderEpoch answers.
	EndOffsetForEpoch(epoch int32) (leaderEpoch int32, endOffset int64, err error)
}

var _ fetchPartition = (*replication.Partition)(nil)

// fetchLookup finds a partition to fetch from, or returns the error code
// for it.
type fetchLookup func(key fetchKey) (fetchPartition, int16)

// Kafka's config name and default for the response size bound.
const (
	fetchMaxBytesConfig  = "fetch.max.bytes"
	defaultFetchMaxBytes = 55 << 20
)

// fetchParams are a Fetch's request-wide parameters.
type fetchParams struct {
	isolation int8
	maxBytes  int // across partitions
	minBytes  int
	maxWait   time.Duration
}

// partitionRead is what a fetch read from one partition. The offsets are -1
// when the partition is unknown.
type partitionRead struct {
	code             int16
	highWatermark    int64
	lastStableOffset int64
	logStartOffset   int64
	records          tiered.Records
	diverging        *kmsg.FetchResponseTopicPartitionDivergingEpoch
	// urgent errors end a long poll: all but an unknown topic, which
	// Kafka reports without cutting the wait short.
	urgent bool
}

func (rd *partitionRead) fail(code int16) {
	rd.code, rd.urgent = code, true
	rd.records.Close()
	rd.records = tiered.Records{}
}

func (h *Handler) fetch(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.FetchRequest)
	return h.serveFetch(ctx, r, h.partitionLookup(r.Version >= 13))
}

// partitionLookup finds partitions by topic id (byID) or name.
func (h *Handler) partitionLookup(byID bool) fetchLookup {
	return func(key fetchKey) (fetchPartition, int16) {
		var p *replication.Partition
		var err error
		if byID {
			p, err = h.deps.Partitions.PartitionByID(key.id, key.partition)
		} else {
			p, err = h.deps.Partitions.Partition(key.topic, key.partition)
		}
		switch {
		case err != nil:
			return nil, errorCode(err)
		case p == nil:
			return nil, kerr.UnknownTopicOrPartition.Code
		}
		return p, 0
	}
}

// serveFetch answers r, finding its partitions with lookup.
func (h *Handler) serveFetch(ctx context.Context, r *kmsg.FetchRequest, lookup fetchLookup) (kmsg.Response, error) {
	if code := h.refuseFetch(r); code != 0 {
		return fetchRefused(r, code), nil
	}
	fc := h.state.fetchSessions.newContext(r)
	resp := kmsg.NewPtrFetchResponse()
	resp.Version = r.Version
	if fc.errCode != 0 {
		resp.ErrorCode = fc.errCode
		return resp, nil
	}
	reads, err := readFetch(ctx, h.fetchRequestParams(r), fc.targets, lookup)
	if err != nil {
		return nil, err
	}
	sessionID, include, code := h.state.fetchSessions.respond(&fc, reads)
	resp.SessionID, resp.ErrorCode = sessionID, code
	if code != 0 {
		closeReads(reads)
		return resp, nil
	}
	return h.fetchResponse(resp, r.IsolationLevel, fc.targets, reads, include)
}

// refuseFetch returns the error every partition of r gets when r cannot be
// served at all, or 0.
func (h *Handler) refuseFetch(r *kmsg.FetchRequest) int16 {
	replica := r.ReplicaID
	if r.Version >= 15 {
		replica = r.ReplicaState.ID
	}
	switch {
	case replica >= 0:
		h.log.Debug("handler: refusing a replica fetch", "replica", replica)
		return kerr.NotLeaderForPartition.Code
	case r.IsolationLevel != replication.ReadUncommitted && r.IsolationLevel != replication.ReadCommitted:
		return kerr.InvalidRequest.Code
	}
	return 0
}

// fetchRefused answers every partition of r with code.
func fetchRefused(r *kmsg.FetchRequest, code int16) *kmsg.FetchResponse {
	resp := kmsg.NewPtrFetchResponse()
	resp.Version = r.Version
	for _, rt := range r.Topics {
		t := kmsg.NewFetchResponseTopic()
		t.Topic, t.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			p := kmsg.NewFetchResponseTopicPartition()
			p.Partition, p.ErrorCode = rp.Partition, code
			p.HighWatermark, p.RecordBatches = -1, []byte{}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

// fetchRequestParams reads r's request-wide parameters, bounded by the
// broker's.
func (h *Handler) fetchRequestParams(r *kmsg.FetchRequest) fetchParams {
	limit := defaultFetchMaxBytes
	if v, err := strconv.Atoi(h.deps.Config[fetchMaxBytesConfig]); err == nil && v > 0 {
		limit = v
	}
	return fetchParams{
		isolation: r.IsolationLevel,
		maxBytes:  max(0, min(int(r.MaxBytes), limit)),
		minBytes:  int(r.MinBytes),
		maxWait:   time.Duration(max(r.MaxWaitMillis, 0)) * time.Millisecond,
	}
}

// readFetch reads the targets until they hold min bytes, an urgent error
// turns up, max wait passes or ctx ends. Between reads it waits for a
// partition's high watermark to advance; it never polls.
func readFetch(ctx context.Context, fp fetchParams, targets []fetchTarget, lookup fetchLookup) ([]partitionRead, error) {
	var expired <-chan time.Time
	deadline := time.Now().Add(fp.maxWait)
	if fp.maxWait > 0 {
		t := time.NewTimer(fp.maxWait)
		defer t.Stop()
		expired = t.C
	}
	for {
		pass := readPass(ctx, fp.until(deadline), targets, lookup)
		if err := ctx.Err(); err != nil {
			closeReads(pass.reads)
			return nil, err
		}
		if expired == nil || pass.complete(fp) {
			return pass.reads, nil
		}
		closeReads(pass.reads)
		if !waitFetchable(ctx, expired, pass.changed) {
			expired = nil // one last read, then answer
		}
	}
}

// minPassWait is the least wait a pass gives its remote reads, so that
// the last pass after the max wait still takes what the chunk cache holds.
const minPassWait = 10 * time.Millisecond

// until is fp for a pass that starts now: its max wait cut to what is left
// before deadline, so that the remote reads of a fetch that waits for data
// over several passes share its one max wait.
func (fp fetchParams) until(deadline time.Time) fetchParams {
	if fp.maxWait > 0 {
		fp.maxWait = max(time.Until(deadline), minPassWait)
	}
	return fp
}

// fetchPass is one read of every target.
type fetchPass struct {
	reads   []partitionRead
	changed []<-chan struct{} // taken before each read, so no advance is missed
	bytes   int
	urgent  bool
}

// complete reports whether the pass answers the fetch without waiting.
func (p *fetchPass) complete(fp fetchParams) bool {
	return p.urgent || p.bytes >= fp.minBytes || len(p.changed) == 0
}

// readPass reads every target in order within the byte limits.
func readPass(ctx context.Context, fp fetchParams, targets []fetchTarget, lookup fetchLookup) fetchPass {
	pass := fetchPass{reads: make([]partitionRead, len(targets))}
	cold := startColdReads(ctx, fp, targets, lookup)
	defer cold.stop()
	for i := range targets {
		rd := &pass.reads[i]
		limit := max(fp.maxBytes-pass.bytes, 0)
		if ch := readPartition(ctx, fp, &targets[i], limit, pass.bytes == 0, lookup, rd, cold.read(i)); ch != nil {
			pass.changed = append(pass.changed, ch)
		}
		pass.bytes += int(rd.records.Len())
		pass.urgent = pass.urgent || rd.urgent
	}
	return pass
}

// readPartition reads one target into rd, at most limit bytes unless it is
// the first with records (minOne); cold, when not nil, is the target's
// remote read, started ahead. It returns the partition's Changed channel,
// or nil when the partition is not known.
func readPartition(ctx context.Context, fp fetchParams, t *fetchTarget, limit int, minOne bool, lookup fetchLookup, rd *partitionRead, cold *coldResult) <-chan struct{} {
	*rd = partitionRead{highWatermark: -1, lastStableOffset: -1, logStartOffset: -1}
	p, code := lookup(t.key)
	if p == nil {
		cold.discard()
		rd.code = code
		rd.urgent = code != kerr.UnknownTopicOrPartition.Code && code != kerr.UnknownTopicID.Code
		return nil
	}
	changed := p.Changed()
	defer func() {
		rd.highWatermark, rd.lastStableOffset, rd.logStartOffset = p.HighWatermark(), p.LastStableOffset(), p.LogStartOffset()
	}()
	if code := checkLeaderEpoch(t.leaderEpoch, p.LeaderEpoch()); code != 0 {
		cold.discard()
		rd.fail(code)
		return changed
	}
	if t.lastFetchedEpoch >= 0 {
		if diverged := divergence(p, t, rd); diverged {
			cold.discard()
			return changed
		}
	}
	maxBytes := max(min(int(t.maxBytes), limit), 0)
	var recs tiered.Records
	var err error
	if cold != nil {
		recs, err = cold.records, cold.err
	} else {
		recs, err = p.Read(ctx, t.fetchOffset, maxBytes, fp.isolation)
	}
	if err != nil {
		rd.fail(errorCode(err))
		return changed
	}
	if !minOne && int(recs.Len()) > maxBytes {
		recs.Close() // only the first partition with records may overshoot
		recs = tiered.Records{}
	}
	rd.records = recs
	return changed
}

// checkLeaderEpoch compares the leader epoch a client knows with the
// partition's: an older one is fenced, a newer one unknown.
func checkLeaderEpoch(client, current int32) int16 {
	switch {
	case client < 0 || client == current:
		return 0
	case client < current:
		return kerr.FencedLeaderEpoch.Code
	default:
		return kerr.UnknownLeaderEpoch.Code
	}
}

// divergence checks the client's last fetched epoch against the log, as
// Kafka does for a fetch that carries one: when the log's end of that epoch
// is unknown, or the fetch offset is below the log start, the offset is out
// of range; when the log has no such epoch, or it ends before the fetch
// offset, the client's log diverged and rd says where to truncate to. It
// reports whether rd is complete without a read.
func divergence(p fetchPartition, t *fetchTarget, rd *partitionRead) bool {
	epoch, end, err := p.EndOffsetForEpoch(t.lastFetchedEpoch)
	switch {
	case err != nil:
		rd.fail(errorCode(err))
	case epoch < 0 || end < 0 || t.fetchOffset < p.LogStartOffset():
		rd.fail(kerr.OffsetOutOfRange.Code)
	case epoch < t.lastFetchedEpoch || end < t.fetchOffset:
		d := kmsg.NewFetchResponseTopicPartitionDivergingEpoch()
		d.Epoch, d.EndOffset = epoch, end
		rd.diverging, rd.urgent = &d, true
	default:
		return false
	}
	return true
}

// waitFetchable waits until one of changed is closed, ctx ends or expired
// fires; it reports whether a channel was closed. Each chunk of channels is
// watched by one goroutine (reflect.Select takes a bounded number of
// cases), stopped and waited for before it returns.
func waitFetchable(ctx context.Context, expired <-chan time.Time, changed []<-chan struct{}) bool {
	const chunk = 1024
	woken, stop := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for start := 0; start < len(changed); start += chunk {
		chans := changed[start:min(start+chunk, len(changed))]
		wg.Go(func() {
			if selectClosed(chans, stop) {
				once.Do(func() { close(woken) })
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	select {
	case <-woken:
		return true
	case <-ctx.Done():
	case <-expired:
	}
	return false
}

// selectClosed waits until one of chans is closed (true) or stop is (false).
func selectClosed(chans []<-chan struct{}, stop <-chan struct{}) bool {
	cases := make([]reflect.SelectCase, 0, len(chans)+1)
	cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(stop)})
	for _, ch := range chans {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)})
	}
	chosen, _, _ := reflect.Select(cases)
	return chosen != 0
}

// closeReads releases the records of reads.
func closeReads(reads []partitionRead) {
	for i := range reads {
		reads[i].records.Close()
	}
}

// fetchResponse builds the response from the included reads; the records
// go to the response body, which releases them once written.
func (h *Handler) fetchResponse(resp *kmsg.FetchResponse, isolation int8, targets []fetchTarget, reads []partitionRead, include []bool) (kmsg.Response, error) {
	var placed []placedRecords
	leaders := newFetchLeaders(h.deps.Cluster, resp.Version)
	for i := range reads {
		rd := &reads[i]
		if !include[i] {
			rd.records.Close()
			continue
		}
		key := targets[i].key
		t := fetchResponseTopic(resp, key)
		p := fetchResponsePartition(key.partition, rd, isolation)
		leaders.add(key, &p)
		t.Partitions = append(t.Partitions, p)
		if rd.records.Len() > 0 {
			placed = append(placed, placedRecords{topic: len(resp.Topics) - 1, partition: len(t.Partitions) - 1, records: rd.records})
		}
	}
	resp.Brokers = leaders.brokers
	return newFetchBody(resp, placed)
}

// fetchResponseTopic returns the response topic for key: the last one if
// it is key's topic, else a new one. A response lists a topic once for each
// run of its partitions, as Kafka's does.
func fetchResponseTopic(resp *kmsg.FetchResponse, key fetchKey) *kmsg.FetchResponseTopic {
	if n := len(resp.Topics); n > 0 {
		if t := &resp.Topics[n-1]; t.Topic == key.topic && t.TopicID == key.id {
			return t
		}
	}
	t := kmsg.NewFetchResponseTopic()
	t.Topic, t.TopicID = key.topic, key.id
	resp.Topics = append(resp.Topics, t)
	return &resp.Topics[len(resp.Topics)-1]
}

// fetchResponsePartition is rd as a response partition, without its records.
func fetchResponsePartition(partition int32, rd *partitionRead, isolation int8) kmsg.FetchResponseTopicPartition {
	p := kmsg.NewFetchResponseTopicPartition()
	p.Partition = partition
	p.ErrorCode = rd.code
	p.HighWatermark = rd.highWatermark
	p.LastStableOffset = rd.lastStableOffset
	p.LogStartOffset = rd.logStartOffset
	if rd.diverging != nil {
		p.DivergingEpoch = *rd.diverging
	}
	if isolation == replication.ReadCommitted {
		// Strata has no transactions yet: nothing was ever aborted.
		p.AbortedTransactions = []kmsg.FetchResponseTopicPartitionAbortedTransaction{}
	}
	p.RecordBatches = []byte{}
	return p
}

// fetchLeaders adds, from version 16 on, the current leader and its
// endpoint to partitions that failed because the client's idea of the
// leader is stale (KIP-951).
type fetchLeaders struct {
	img     *controller.Image // nil before version 16
	brokers []kmsg.FetchResponseBroker
}

func newFetchLeaders(c Cluster, version int16) *fetchLeaders {
	if version < 16 {
		return &fetchLeaders{}
	}
	return &fetchLeaders{img: c.Image()}
}

func (l *fetchLeaders) add(key fetchKey, p *kmsg.FetchResponseTopicPartition) {
	if l.img == nil || (p.ErrorCode != kerr.NotLeaderForPartition.Code && p.ErrorCode != kerr.FencedLeaderEpoch.Code) {
		return
	}
	t, ok := l.img.Topics[key.topic]
	if key.topic == "" {
		t, ok = l.img.TopicByID(key.id)
	}
	if !ok || key.partition < 0 || int(key.partition) >= len(t.Partitions) {
		return
	}
	part := &t.Partitions[key.partition]
	p.CurrentLeader.LeaderID, p.CurrentLeader.LeaderEpoch = part.Leader, part.LeaderEpoch
	b, ok := l.img.Brokers[part.Leader]
	if !ok {
		return
	}
	for _, known := range l.brokers {
		if known.NodeID == b.ID {
			return
		}
	}
	broker := kmsg.NewFetchResponseBroker()
	broker.NodeID, broker.Host, broker.Port = b.ID, b.Host, b.Port
	if b.Rack != "" {
		broker.Rack = kmsg.StringPtr(b.Rack)
	}
	l.brokers = append(l.brokers, broker)
}
