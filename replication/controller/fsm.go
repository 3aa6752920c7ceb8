package controller

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// fsm is the raft state machine: it applies committed commands to the
// image and publishes each new image. raft calls Apply, Snapshot and
// Restore from one goroutine; readers load the image from any goroutine.
type fsm struct {
	log   *slog.Logger
	image atomic.Pointer[Image]

	mu struct {
		sync.Mutex
		// changed is closed when the next image is published.
		changed chan struct{}
		// leader is the raft leader's node id, -1 when none; every
		// published image carries it as ControllerID.
		leader int32
	}
}

var _ raft.FSM = (*fsm)(nil)

func newFSM(log *slog.Logger) *fsm {
	f := &fsm{log: log}
	f.image.Store(newImage())
	f.mu.changed = make(chan struct{})
	f.mu.leader = -1
	return f
}

// current returns the published image.
func (f *fsm) current() *Image { return f.image.Load() }

// changed returns the channel closed by the next publish.
func (f *fsm) changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mu.changed
}

// publish makes next the current image and wakes the waiters. next must not
// have been shared yet: publish sets its ControllerID.
func (f *fsm) publish(next *Image) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.publishLocked(next)
}

func (f *fsm) publishLocked(next *Image) {
	next.ControllerID = f.mu.leader
	f.image.Store(next)
	close(f.mu.changed)
	f.mu.changed = make(chan struct{})
}

// setLeader records the raft leader and publishes an image that names it.
// Only Apply and Restore change the rest of the image, and they publish
// under the same lock, so the copy made here loses nothing.
func (f *fsm) setLeader(id int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mu.leader == id {
		return
	}
	f.mu.leader = id
	next := *f.image.Load()
	f.publishLocked(&next)
}

// Apply applies one committed command. The result reaches the proposer
// through ApplyFuture.Response: an error, or the command's result.
func (f *fsm) Apply(l *raft.Log) any {
	next, res, err := applyCommand(f.current(), l.Index, l.Data)
	if err != nil {
		f.log.Debug("controller command refused", "index", l.Index, "err", err)
		return err
	}
	f.publish(next)
	return res
}

// Snapshot captures the current image; it is immutable, so Persist can
// encode it while later commands apply.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{img: f.current()}, nil
}

// Restore replaces the image with a snapshot's.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	img, err := decodeSnapshot(rc)
	if err != nil {
		return err
	}
	f.publish(img)
	return nil
}

type fsmSnapshot struct {
	img *Image
}

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := encodeSnapshot(sink, s.img); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("controller: persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}
