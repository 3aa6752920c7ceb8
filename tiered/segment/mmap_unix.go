//go:build unix

package segment

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps a whole file read-only. An empty file maps to nil.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat index: %w", err)
	}
	if fi.Size() == 0 {
		return nil, nil
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map index: %w", err)
	}
	return data, nil
}

func unmap(data []byte) {
	if data != nil {
		_ = syscall.Munmap(data)
	}
}
