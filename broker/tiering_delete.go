package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-streaming/strata/internal/atomicfile"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/remote"
)

// deleteRetry is how often pending remote deletions are retried.
const deleteRetry = 30 * time.Second

// deleter deletes the remote data of deleted topics. A deletion is
// recorded in a file of its own under dir before the controller deletes
// the topic (mark), and the file is removed once the bucket holds nothing
// of the topic, so that a crash at any point leaves the deletion to be
// finished after the restart. A recorded topic that still exists (its
// deletion failed) is left alone.
type deleter struct {
	bucket objstore.Bucket
	dir    string
	log    *slog.Logger

	img    atomic.Pointer[controller.Image] // the newest image seen
	wakeCh chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// pendingDeletion is the content of a deletion record.
type pendingDeletion struct {
	Topic      string         `json:"topic"`
	TopicID    remote.TopicID `json:"topic_id"`
	Partitions int32          `json:"partitions"`
}

func (d *deleter) path(id controller.TopicID) string {
	return filepath.Join(d.dir, remote.TopicID(id).String()+".json")
}

// mark records that t's remote data is to be deleted.
func (d *deleter) mark(t *controller.Topic) error {
	b, err := json.Marshal(pendingDeletion{Topic: t.Name, TopicID: remote.TopicID(t.ID), Partitions: int32(len(t.Partitions))})
	if err != nil {
		return fmt.Errorf("broker: record remote deletion: %w", err)
	}
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return fmt.Errorf("broker: record remote deletion: %w", err)
	}
	if err := atomicfile.Write(d.path(t.ID), b); err != nil {
		return fmt.Errorf("broker: record remote deletion: %w", err)
	}
	return nil
}

// start runs the deletion loop until stop.
func (d *deleter) start(img *controller.Image) {
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done, d.wakeCh = cancel, make(chan struct{}), make(chan struct{}, 1)
	d.img.Store(img)
	go d.run(ctx)
	d.wake(img)
}

// wake asks for a pass over the pending deletions against img.
func (d *deleter) wake(img *controller.Image) {
	if d.wakeCh == nil {
		return
	}
	d.img.Store(img)
	select {
	case d.wakeCh <- struct{}{}:
	default:
	}
}

func (d *deleter) stop() {
	d.once.Do(func() {
		if d.cancel != nil {
			d.cancel()
			<-d.done
		}
	})
}

func (d *deleter) run(ctx context.Context) {
	defer close(d.done)
	tick := time.NewTicker(deleteRetry)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.wakeCh:
		}
		if err := d.pass(ctx, d.img.Load()); err != nil && ctx.Err() == nil {
			d.log.Warn("delete remote data of deleted topics", "err", err, "retry_in", deleteRetry)
		}
	}
}

// pass deletes the remote data of every recorded topic that img no
// longer has.
func (d *deleter) pass(ctx context.Context, img *controller.Image) error {
	entries, err := os.ReadDir(d.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		errs = append(errs, d.deleteOne(ctx, img, filepath.Join(d.dir, e.Name())))
	}
	return errors.Join(errs...)
}

func (d *deleter) deleteOne(ctx context.Context, img *controller.Image, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var pd pendingDeletion
	if err := json.Unmarshal(b, &pd); err != nil {
		d.log.Warn("dropping an unreadable remote deletion record", "file", path, "err", err)
		return os.Remove(path)
	}
	if t, ok := img.Topic(pd.Topic); ok && remote.TopicID(t.ID) == pd.TopicID {
		return nil // not deleted (yet)
	}
	if err := remote.DeleteTopic(ctx, d.bucket, pd.Topic, pd.TopicID, pd.Partitions); err != nil {
		return err
	}
	d.log.Info("deleted the remote data of a deleted topic", "topic", pd.Topic, "topic_id", pd.TopicID)
	return os.Remove(path)
}
