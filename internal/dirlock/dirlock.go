package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the lock file's name in the directory it guards.
const FileName = ".lock"

// ErrLocked is returned by Acquire when another process (or another
// Acquire in this one) holds the directory's lock.
var ErrLocked = errors.New("dirlock: directory in use")

// Lock is a held directory lock.
type Lock struct {
	f *os.File
}

// Acquire takes dir's lock, creating the lock file, without waiting: a
// lock held elsewhere is ErrLocked.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dirlock: open %s: %w", path, err)
	}
	if err := lock(f); err != nil {
		_ = f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%w: %s is held by another process", ErrLocked, path)
		}
		return nil, fmt.Errorf("dirlock: lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release drops the lock. It is safe to call more than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	return f.Close() // closing the last descriptor drops a flock
}
