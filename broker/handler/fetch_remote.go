package handler

import (
	"context"
	"sync"
	"time"

	"github.com/strata-streaming/strata/tiered"
)

// defaultRemoteFetchWait bounds how long a fetch without a max wait of its
// own waits for the remote tier (Kafka's remote.fetch.max.wait.ms).
const defaultRemoteFetchWait = 500 * time.Millisecond

// remotePartition is a fetch partition that tells whether the remote
// tier serves a read at offset.
type remotePartition interface {
	ReadsRemote(offset int64) bool
}

// coldReads are the reads of one fetch pass that the remote tier serves.
// They start side by side before the pass reads its targets in order, so
// a fetch spanning several cold partitions waits for their object-store
// reads together, and the pass waits for them no longer than the fetch's
// max wait: a read still running then answers no records (the consumer
// asks again and finds the chunks its read-ahead cached) and never holds
// up the partitions after it. stop cancels and waits for them.
type coldReads struct {
	ctx    context.Context
	cancel context.CancelFunc
	reads  []*coldRead // by target; nil for a target the local tier serves
	timer  *time.Timer
	wg     sync.WaitGroup
}

// coldRead is one remote read; records and err are set when done closes.
type coldRead struct {
	done    chan struct{}
	records tiered.Records
	err     error
	taken   bool // handed to the pass, which closes the records
}

// startColdReads starts the remote reads of targets, each up to its own
// byte limit. It returns nil when the local tier serves every target.
func startColdReads(ctx context.Context, fp fetchParams, targets []fetchTarget, lookup fetchLookup) *coldReads {
	var c *coldReads
	for i := range targets {
		t := &targets[i]
		p, _ := lookup(t.key)
		rp, ok := p.(remotePartition)
		if !ok || !rp.ReadsRemote(t.fetchOffset) {
			continue
		}
		if c == nil {
			c = newColdReads(ctx, fp.maxWait, len(targets))
		}
		c.start(i, p, t.fetchOffset, max(min(int(t.maxBytes), fp.maxBytes), 0), fp.isolation)
	}
	return c
}

func newColdReads(ctx context.Context, wait time.Duration, n int) *coldReads {
	if wait <= 0 {
		wait = defaultRemoteFetchWait
	}
	c := &coldReads{reads: make([]*coldRead, n), timer: time.NewTimer(wait)}
	c.ctx, c.cancel = context.WithCancel(ctx)
	return c
}

// start reads target i in a goroutine of its own.
func (c *coldReads) start(i int, p fetchPartition, offset int64, maxBytes int, isolation int8) {
	r := &coldRead{done: make(chan struct{})}
	c.reads[i] = r
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(r.done)
		r.records, r.err = p.Read(c.ctx, offset, maxBytes, isolation)
	}()
}

// read returns target i's remote read: nil when the local tier serves it;
// else the read's records once it is done, or, when the max wait passes
// first, no records and no error.
func (c *coldReads) read(i int) *coldResult {
	if c == nil || c.reads[i] == nil {
		return nil
	}
	r := c.reads[i]
	select {
	case <-r.done: // a finished read wins over an expired wait
	default:
		select {
		case <-r.done:
		case <-c.timer.C:
			c.timer.Reset(0) // every later wait of this pass ends at once too
			return &coldResult{}
		}
	}
	r.taken = true
	return &coldResult{records: r.records, err: r.err}
}

// coldResult is what a pass gets of a remote read.
type coldResult struct {
	records tiered.Records
	err     error
}

// discard closes the records of a result the pass does not use.
func (r *coldResult) discard() {
	if r != nil {
		r.records.Close()
	}
}

// stop cancels the reads still running, waits for them, and closes the
// records no one took.
func (c *coldReads) stop() {
	if c == nil {
		return
	}
	c.cancel()
	c.timer.Stop()
	c.wg.Wait()
	for _, r := range c.reads {
		if r != nil && !r.taken {
			r.records.Close()
		}
	}
}
