//go:build !unix

package segment

import (
	"fmt"
	"os"
)

// mapFile reads the whole file where memory mapping is not available.
func mapFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

func unmap([]byte) {}
