package objstore

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("objstore: object not found")
	// ErrUnavailable: a transient failure; the same call may succeed later.
	ErrUnavailable = errors.New("objstore: store unavailable")
	// ErrInvalidKey: the key breaks the rules of ValidateKey, or names a
	// directory of the filesystem backend.
	ErrInvalidKey = errors.New("objstore: invalid key")
	// ErrInvalidRange: a GetRange range that is malformed or not entirely
	// inside the object.
	ErrInvalidRange = errors.New("objstore: invalid range")
	// ErrSizeMismatch: Put's reader yielded fewer or more bytes than size.
	ErrSizeMismatch = errors.New("objstore: reader length differs from size")
	// ErrConfig: a backend configuration that fails Validate.
	ErrConfig = errors.New("objstore: invalid config")
)

// IsRetriable reports whether err is a transient failure of the store, one
// that retrying the same call later may cure. Errors caused by the caller's
// context are not retriable.
func IsRetriable(err error) bool {
	return errors.Is(err, ErrUnavailable)
}

// opError wraps err with the operation and key. When class is one of the
// sentinels it joins the chain beside err, so both errors.Is(class) and
// errors.As on the backend's error type work.
func opError(op, key string, class, err error) error {
	switch {
	case class == nil:
		return fmt.Errorf("%s %q: %w", op, key, err)
	case err == nil || errors.Is(err, class):
		return fmt.Errorf("%s %q: %w", op, key, class)
	default:
		return fmt.Errorf("%s %q: %w: %w", op, key, class, err)
	}
}
