package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// topicIndexPrefix opens the keys of the topic index: one small object per
// topic, "topics/<topic>/<topic id>", holding nothing, whose only purpose
// is to let a tool find a topic's manifests by name with one listing. The
// topic manifest stays under its hashed key.
const topicIndexPrefix = "topics/"

// TopicIndexKey is the index entry of a topic.
func TopicIndexKey(topic string, id TopicID) string {
	return topicIndexPrefix + topic + "/" + id.String()
}

// PublishTopic writes a topic's manifest and then its index entry: once
// a topic is listed, its manifest exists.
func PublishTopic(ctx context.Context, bucket objstore.Bucket, m TopicManifest) error {
	if err := StoreTopicManifest(ctx, bucket, m); err != nil {
		return err
	}
	if err := bucket.Put(ctx, TopicIndexKey(m.Topic, m.TopicID), bytes.NewReader(nil), 0); err != nil {
		return fmt.Errorf("publish topic %s: %w", m.Topic, err)
	}
	return nil
}

// FindTopics returns the manifests of every topic named topic in the
// bucket, oldest first (a name may have been deleted and created again);
// an empty topic name finds every topic.
func FindTopics(ctx context.Context, bucket objstore.Bucket, topic string) ([]TopicManifest, error) {
	prefix := topicIndexPrefix
	if topic != "" {
		prefix += topic + "/"
	}
	var found []TopicManifest
	var errs []error
	err := bucket.List(ctx, prefix, func(a objstore.ObjectAttrs) error {
		name, idText, ok := strings.Cut(strings.TrimPrefix(a.Key, topicIndexPrefix), "/")
		id, err := ParseTopicID(idText)
		if !ok || err != nil {
			return nil // not an index entry of Strata's
		}
		m, ok, err := LoadTopicManifest(ctx, bucket, name, id)
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			found = append(found, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find topics: %w", err)
	}
	slices.SortFunc(found, func(a, b TopicManifest) int { return a.Created.Compare(b.Created) })
	return found, errors.Join(errs...)
}

// DeleteTopic deletes everything a topic has in the bucket: its index
// entry first (no tool finds it any more), then each partition (see
// DeletePartition), then its manifest. It may run again after an
// interruption; a topic with no manifest left has nothing to delete.
func DeleteTopic(ctx context.Context, bucket objstore.Bucket, topic string, id TopicID, partitions int32) error {
	if err := deleteIfPresent(ctx, bucket, TopicIndexKey(topic, id)); err != nil {
		return fmt.Errorf("delete remote topic %s: %w", topic, err)
	}
	if m, ok, err := LoadTopicManifest(ctx, bucket, topic, id); err == nil && ok {
		partitions = max(partitions, m.Partitions)
	}
	for p := range partitions {
		if err := DeletePartition(ctx, bucket, TopicPartition{Topic: topic, TopicID: id, Partition: p}); err != nil {
			return err
		}
	}
	if err := deleteIfPresent(ctx, bucket, TopicManifestKey(topic, id)); err != nil {
		return fmt.Errorf("delete remote topic %s: %w", topic, err)
	}
	return nil
}

func deleteIfPresent(ctx context.Context, bucket objstore.Bucket, key string) error {
	if err := bucket.Delete(ctx, key); err != nil && !errors.Is(err, objstore.ErrNotFound) {
		return err
	}
	return nil
}
