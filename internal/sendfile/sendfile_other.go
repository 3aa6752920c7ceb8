//go:build !linux

package sendfile

import (
	"os"
	"syscall"
)

// File is not available here: handled is always false.
func File(syscall.Conn, *os.File, int64, int64) (int64, bool, error) {
	return 0, false, nil
}
