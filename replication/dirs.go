package replication

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/strata-streaming/strata/internal/atomicfile"
	"github.com/strata-streaming/strata/replication/controller"
)

// File and directory names in the data directory (see doc.go).
const (
	metadataName  = "partition.metadata"
	deleteSuffix  = "-delete"
	tmpSuffix     = atomicfile.TempSuffix
	metadataFirst = "version: 0\n"
	metadataIDKey = "topic_id: "
)

// dirName is the directory of one partition: "<topic>-<partition>".
func dirName(topic string, index int32) string {
	return topic + "-" + strconv.FormatInt(int64(index), 10)
}

// parseDirName splits "<topic>-<partition>"; ok is false for any other
// name, including deleted directories.
func parseDirName(name string) (topic string, index int32, ok bool) {
	i := strings.LastIndexByte(name, '-')
	if i < 1 || i == len(name)-1 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || n < 0 || name[i+1] == '+' {
		return "", 0, false
	}
	return name[:i], int32(n), true
}

// encodeTopicID writes an id as Kafka does: URL-safe base64 without
// padding.
func encodeTopicID(id controller.TopicID) string {
	return base64.RawURLEncoding.EncodeToString(id[:])
}

// marshalMetadata is the partition.metadata file for a topic id.
func marshalMetadata(id controller.TopicID) []byte {
	return []byte(metadataFirst + metadataIDKey + encodeTopicID(id) + "\n")
}

// unmarshalMetadata parses a partition.metadata file.
func unmarshalMetadata(data []byte) (controller.TopicID, error) {
	var id controller.TopicID
	rest, ok := bytes.CutPrefix(data, []byte(metadataFirst))
	if !ok {
		return id, fmt.Errorf("%w: %s: not version 0", ErrCorrupt, metadataName)
	}
	rest, ok = bytes.CutPrefix(rest, []byte(metadataIDKey))
	if !ok {
		return id, fmt.Errorf("%w: %s: no topic_id", ErrCorrupt, metadataName)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(string(rest)))
	if err != nil || len(raw) != len(id) {
		return id, fmt.Errorf("%w: %s: bad topic_id", ErrCorrupt, metadataName)
	}
	copy(id[:], raw)
	return id, nil
}

// readMetadata returns the topic id a partition directory belongs to; ok
// is false when the directory or its metadata file is missing or unusable.
func readMetadata(dir string) (id controller.TopicID, exists, ok bool) {
	if _, err := os.Stat(dir); err != nil {
		return id, false, false
	}
	data, err := os.ReadFile(filepath.Join(dir, metadataName))
	if err != nil {
		return id, true, false
	}
	id, err = unmarshalMetadata(data)
	return id, true, err == nil
}

// createPartitionDir makes a partition directory holding its metadata file,
// durably, so that the directory never exists without its topic id once a
// log has been written to it.
func createPartitionDir(dir string, id controller.TopicID) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create partition dir: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, metadataName), marshalMetadata(id)); err != nil {
		return fmt.Errorf("write partition metadata: %w", err)
	}
	return atomicfile.SyncDir(filepath.Dir(dir))
}

// deleteDir removes a partition directory so that a crash part way leaves
// only a directory the next sweep removes: it is first renamed to
// "<name>.<random hex>-delete", durably, then removed.
func deleteDir(dir string) error {
	var suffix [8]byte
	rand.Read(suffix[:])
	doomed := dir + "." + hex.EncodeToString(suffix[:]) + deleteSuffix
	if err := os.Rename(dir, doomed); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("delete partition dir: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.RemoveAll(doomed); err != nil {
		return fmt.Errorf("delete partition dir: %w", err)
	}
	return nil
}
