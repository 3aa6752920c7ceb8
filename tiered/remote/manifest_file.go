package remote

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteManifestFile writes m, encoded as in the bucket, to the file at
// path: to a temporary file, fsynced, then renamed over path, so that the
// file always holds a whole manifest.
func WriteManifestFile(path string, m PartitionManifest) error {
	b, err := EncodePartitionManifest(m)
	if err != nil {
		return fmt.Errorf("write manifest file: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write manifest file: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write manifest file: %w", err)
	}
	return syncDir(filepath.Dir(path))
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

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
