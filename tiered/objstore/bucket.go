package objstore

import (
	"context"
	"io"
	"time"
)

// Bucket is a flat namespace of immutable objects named by keys: the remote
// tier's view of an object store. Every implementation passes
// objstoretest.AcceptanceTest; the contract below is what that suite checks.
//
// Keys are '/'-separated paths (see ValidateKey): non-empty, valid UTF-8, at
// most MaxKeyLen bytes, no control characters, no leading or trailing '/',
// no empty, "." or ".." segment. A key must not also be the directory of
// another key (both "a/b" and "a/b/c"), because the filesystem backend maps
// '/' to directories. An invalid key fails every method with ErrInvalidKey.
//
// Consistency is read-after-write: once Put or Delete returns nil, every
// later Get, GetRange, Attributes and List observes it. Objects are replaced
// whole: a reader never sees a mix of two versions.
//
// Errors: a missing object is ErrNotFound; a transient failure (network,
// throttling, a 5xx answer, a server that is down) is ErrUnavailable, which
// IsRetriable reports, and retrying the same call later may succeed; an error
// caused by ctx is returned with ctx's error in its chain (errors.Is with
// context.Canceled or context.DeadlineExceeded) and is never ErrUnavailable.
// Errors wrap these sentinels with %w together with the backend's own error.
//
// All methods are safe for concurrent use.
type Bucket interface {
	// Put stores the size bytes that r yields under key, replacing any object
	// already there. It is idempotent: putting the same bytes twice leaves the
	// same object. r must yield exactly size bytes and then io.EOF; a reader
	// that ends early or yields more fails Put with ErrSizeMismatch. If Put
	// fails for any reason (r's error, ctx, the store), no new bytes become
	// visible under key: the previous object, if any, stays as it was. An
	// error from r is returned in the chain of Put's error.
	Put(ctx context.Context, key string, r io.Reader, size int64) error

	// Get opens the whole object for reading; a missing key is ErrNotFound.
	// The caller must Close the reader. Reads fail once ctx is done, and a
	// read cut short by the network fails with ErrUnavailable: retrying
	// means opening the object again.
	Get(ctx context.Context, key string) (io.ReadCloser, error)

	// GetRange opens length bytes of the object starting at off. off must be
	// at least 0 and length at least 1, or length is -1 for "from off to the
	// end", which needs off below the object's size. A range that is not
	// entirely inside the object, or malformed, fails with ErrInvalidRange;
	// a missing key is ErrNotFound. The caller must Close the reader.
	GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error)

	// Delete removes the object. Deleting a key that does not exist is not
	// an error, so Delete is idempotent.
	Delete(ctx context.Context, key string) error

	// List calls fn for every object whose key starts with prefix (a plain
	// string prefix, not only whole segments: "seg/00" matches "seg/001"),
	// in ascending byte-wise order of key, across all pages. It is recursive:
	// there are no directory entries. An object put or deleted while List
	// runs may or may not be seen. If fn returns an error, List stops and
	// returns that error unwrapped.
	List(ctx context.Context, prefix string, fn func(ObjectAttrs) error) error

	// Attributes returns the object's attributes; a missing key is
	// ErrNotFound.
	Attributes(ctx context.Context, key string) (ObjectAttrs, error)
}

// ObjectAttrs describes one stored object.
type ObjectAttrs struct {
	// Key is the object's key, without any backend prefix.
	Key string
	// Size is the object's length in bytes.
	Size int64
	// LastModified is when the current version was stored, as the backend's
	// clock saw it.
	LastModified time.Time
	// ETag is an opaque version tag: it changes when the content changes
	// (it may also change on an identical overwrite). Empty when the backend
	// has none.
	ETag string
}
