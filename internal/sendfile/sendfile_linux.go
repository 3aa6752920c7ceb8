package sendfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// File copies n bytes of f from off to the socket behind sc with
// sendfile(2), giving the file offset explicitly so concurrent readers of
// one file never share a cursor. handled is false when sc is not a socket
// sendfile can write to; nothing was written then.
func File(sc syscall.Conn, f *os.File, off, n int64) (written int64, handled bool, err error) {
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	src := int(f.Fd())
	var serr error
	werr := raw.Write(func(dst uintptr) bool {
		for written < n {
			chunk := min(n-written, 1<<30)
			m, e := syscall.Sendfile(int(dst), src, &off, int(chunk))
			if m > 0 {
				written += int64(m)
			}
			switch {
			case errors.Is(e, syscall.EAGAIN):
				return false // wait until the socket is writable
			case errors.Is(e, syscall.EINTR):
				continue
			case e != nil:
				serr = e
				return true
			case m == 0:
				serr = fmt.Errorf("sendfile: file ended %d bytes early", n-written)
				return true
			}
		}
		return true
	})
	if written == 0 && (errors.Is(serr, syscall.EINVAL) || errors.Is(serr, syscall.ENOSYS)) {
		return 0, false, nil // not a socket sendfile can serve: copy instead
	}
	if serr == nil {
		serr = werr
	}
	if serr != nil {
		return written, true, fmt.Errorf("sendfile: %w", serr)
	}
	return written, true, nil
}
