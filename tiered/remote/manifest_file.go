package remote

import (
	"errors"
	"fmt"
	"os"

	"github.com/strata-streaming/strata/internal/atomicfile"
)

// WriteManifestFile writes m, encoded as in the bucket, to the file at
// path, whole or not at all (see internal/atomicfile).
func WriteManifestFile(path string, m PartitionManifest) error {
	b, err := EncodePartitionManifest(m)
	if err != nil {
		return fmt.Errorf("write manifest file: %w", err)
	}
	return atomicfile.Write(path, b)
}

// ReadManifestFile reads a manifest written by WriteManifestFile; found is
// false when there is no file.
func ReadManifestFile(path string) (m PartitionManifest, found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("read manifest file: %w", err)
	}
	if m, err = DecodePartitionManifest(b); err != nil {
		return m, false, fmt.Errorf("read manifest file %s: %w", path, err)
	}
	return m, true, nil
}
