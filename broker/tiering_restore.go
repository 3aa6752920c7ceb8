package broker

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered/remote"
)

// recoveryConfig is the topic config that asks for a topic to be restored
// from the object store when it is created.
const recoveryConfig = "strata.remote.recovery"

// restoreTimeout bounds the reads of the bucket a restore makes while it
// creates a topic or opens a restored partition.
const restoreTimeout = 30 * time.Second

// ErrNothingToRestore is a topic created for recovery that the object
// store knows nothing of; clients see INVALID_CONFIG.
var ErrNothingToRestore = fmt.Errorf("broker: no topic of that name in the object store: %w", kerr.InvalidConfig)

// isRecovery reports whether a topic's configs ask for recovery.
func isRecovery(configs map[string]string) bool { return configs[recoveryConfig] == "true" }

// recoverSpec fills a topic spec from the newest topic manifest of its name
// in the bucket: the topic keeps its id (its data is stored under it), its
// partition count and its configs, which the spec's own configs override.
func (t *tiering) recoverSpec(ctx context.Context, spec *controller.TopicSpec) error {
	ctx, cancel := context.WithTimeout(ctx, restoreTimeout)
	defer cancel()
	found, err := remote.FindTopics(ctx, t.bucket, spec.Name)
	if err != nil {
		return fmt.Errorf("broker: restore %s: %w", spec.Name, err)
	}
	if len(found) == 0 {
		return fmt.Errorf("%w: %s", ErrNothingToRestore, spec.Name)
	}
	m := found[len(found)-1]
	if spec.Partitions > 0 && spec.Partitions != m.Partitions && len(spec.Assignment) == 0 {
		return fmt.Errorf("%w: %s had %d partitions, not %d", controller.ErrInvalidPartitions, spec.Name, m.Partitions, spec.Partitions)
	}
	if len(spec.Assignment) == 0 {
		spec.Partitions = m.Partitions // also when the request said -1
	}
	configs := maps.Clone(m.Configs)
	if configs == nil {
		configs = map[string]string{}
	}
	delete(configs, recoveryConfig)
	maps.Copy(configs, spec.Configs)
	spec.Configs = configs
	spec.ID = controller.TopicID(m.TopicID)
	return nil
}

// restorePartition starts the empty local log of a restored partition
// where its remote tier ends, so that new records follow the restored
// ones.
func restorePartition(p *replication.Partition, tier *remote.Tier) error {
	ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
	defer cancel()
	if err := tier.Refresh(ctx); err != nil {
		return fmt.Errorf("broker: restore %s: %w", partitionName(p), err)
	}
	m := tier.Manifest()
	return p.RestartAt(m.EndOffset())
}
