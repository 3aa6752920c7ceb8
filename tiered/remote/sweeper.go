package remote

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// DefaultSweepGrace is the default age below which the sweeper leaves an
// unnamed segment object alone: far longer than any upload, from the
// object's Put to the manifest's, retries included.
const DefaultSweepGrace = time.Hour

// SweeperConfig configures a Sweeper. The zero value is the default.
type SweeperConfig struct {
	// Grace is how old an object that the manifest does not name must be
	// before it is deleted. 0 means DefaultSweepGrace.
	Grace time.Duration
	// Now is the clock objects' ages are measured with; nil means
	// time.Now. It should agree with the object store's clock.
	Now func() time.Time
}

func (c SweeperConfig) withDefaults() SweeperConfig {
	if c.Grace == 0 {
		c.Grace = DefaultSweepGrace
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate checks the config after defaults are applied.
func (c SweeperConfig) Validate() error {
	if c = c.withDefaults(); c.Grace < 0 {
		return fmt.Errorf("%w: sweep grace %v", ErrInvalidConfig, c.Grace)
	}
	return nil
}

// Sweeper deletes a partition's orphans: segment objects that no manifest
// names, left by uploads that failed after their Put or deletes that
// failed after the manifest dropped them. It never deletes the manifest
// nor any key that is not a segment object of the partition.
type Sweeper struct {
	bucket objstore.Bucket
	tp     TopicPartition
	cfg    SweeperConfig
}

// NewSweeper returns the sweeper of tp's objects in bucket.
func NewSweeper(bucket objstore.Bucket, tp TopicPartition, cfg SweeperConfig) (*Sweeper, error) {
	if err := tp.Validate(); err != nil {
		return nil, fmt.Errorf("new sweeper: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new sweeper: %w", err)
	}
	return &Sweeper{bucket: bucket, tp: tp, cfg: cfg.withDefaults()}, nil
}

// Sweep reads the partition's manifest, lists the partition's prefix and
// deletes every segment object the manifest does not name that was last
// modified more than Grace ago. It returns the keys deleted, also when a
// delete fails part way (the error says which).
func (s *Sweeper) Sweep(ctx context.Context) ([]string, error) {
	// The manifest is read before the listing: an object named by a later
	// manifest was put after this read began, so it is younger than Grace.
	m, _, err := LoadPartitionManifest(ctx, s.bucket, s.tp)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	orphans, err := s.orphans(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var deleted []string
	for _, key := range orphans {
		if err := s.bucket.Delete(ctx, key); err != nil {
			return deleted, fmt.Errorf("sweep: %w", err)
		}
		deleted = append(deleted, key)
	}
	return deleted, nil
}

// orphans lists the segment objects under the partition's prefix that m
// does not name and that are older than the grace period.
func (s *Sweeper) orphans(ctx context.Context, m PartitionManifest) ([]string, error) {
	named := make(map[string]bool, len(m.Segments))
	for _, seg := range m.Segments {
		named[seg.Key] = true
	}
	cutoff := s.cfg.Now().Add(-s.cfg.Grace)
	var out []string
	err := s.bucket.List(ctx, PartitionPrefix(s.tp), func(a objstore.ObjectAttrs) error {
		if s.isOrphan(a, named, cutoff) {
			out = append(out, a.Key)
		}
		return nil
	})
	return out, err
}

func (s *Sweeper) isOrphan(a objstore.ObjectAttrs, named map[string]bool, cutoff time.Time) bool {
	if named[a.Key] || !strings.HasSuffix(a.Key, segmentSuffix) || !a.LastModified.Before(cutoff) {
		return false
	}
	k, err := ParseSegmentKey(a.Key)
	return err == nil && k.TopicPartition == s.tp
}
