package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// FS is a Bucket in a local directory, the embedded default remote tier. Its
// layout is described in the package documentation: objects live under
// dir/objects at the path their key names, and Put stages data in dir/tmp.
type FS struct {
	root string // dir/objects: one file per object
	tmp  string // dir/tmp: staged puts, emptied by NewFS

	// tree is held while directories are created or removed and while an
	// object is renamed into place, so Delete's pruning of empty directories
	// never races a Put into them. Data is written and read without it.
	tree sync.Mutex
}

var _ Bucket = (*FS)(nil)

// NewFS opens the bucket stored in dir, creating it when missing, and
// removes puts that a crash left staged.
func NewFS(dir string) (*FS, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: empty directory", ErrConfig)
	}
	f := &FS{root: filepath.Join(dir, "objects"), tmp: filepath.Join(dir, "tmp")}
	for _, d := range []string{f.root, f.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("objstore: create bucket directory: %w", err)
		}
	}
	if err := f.removeStaged(); err != nil {
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("objstore: sync bucket directory: %w", err)
	}
	return f, nil
}

func (f *FS) removeStaged() error {
	entries, err := os.ReadDir(f.tmp)
	if err != nil {
		return fmt.Errorf("objstore: read staging directory: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(f.tmp, e.Name())); err != nil {
			return fmt.Errorf("objstore: remove staged put: %w", err)
		}
	}
	return nil
}

// Put implements Bucket: the data goes to a staged file that is fsynced,
// then renamed over the key's path, then the directory is fsynced, so a
// crash leaves either the old object or the new one, never a part.
func (f *FS) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := check(ctx, key); err != nil {
		return opError("put", key, nil, err)
	}
	if err := checkSize(size); err != nil {
		return opError("put", key, nil, err)
	}
	staged, err := f.stage(ctx, r, size)
	if err != nil {
		return opError("put", key, nil, err)
	}
	if err := f.install(ctx, staged, key); err != nil {
		_ = os.Remove(staged)
		return opError("put", key, nil, err)
	}
	return nil
}

// stage writes r to a new file under tmp, fsyncs and closes it.
func (f *FS) stage(ctx context.Context, r io.Reader, size int64) (string, error) {
	file, err := os.CreateTemp(f.tmp, "put-*")
	if err != nil {
		return "", err
	}
	pr := newPutReader(ctx, r, size)
	if _, err = io.Copy(&writebackFile{file: file}, pr); err != nil {
		err = pr.cause(err)
	}
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(file.Name())
		return "", err
	}
	return file.Name(), nil
}

// writebackEvery is how many bytes a staged object's writer lets
// accumulate before it starts writing them back to the disk. A large
// object's bytes would otherwise all wait for the final fsync, and
// flushing a segment's worth at once stalls, for as long as it takes,
// every other fsync on the disk: those of the partitions' logs, which
// acks=all producers wait for.
const writebackEvery = 8 << 20

// writebackFile is a file being written from its start, whose bytes go
// to the disk every writebackEvery bytes rather than all at the fsync.
type writebackFile struct {
	file    *os.File // not embedded: io.Copy must use Write, not its ReadFrom
	written int64    // bytes written
	started int64    // bytes whose writeback has started
}

func (w *writebackFile) Write(p []byte) (int, error) {
	n, err := w.file.Write(p)
	w.written += int64(n)
	if err == nil && w.written-w.started >= writebackEvery {
		startWriteback(w.file, w.started, w.written-w.started)
		w.started = w.written
	}
	return n, err
}

// install renames a staged file to key's path, creating its directories.
func (f *FS) install(ctx context.Context, staged, key string) error {
	f.tree.Lock()
	defer f.tree.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.mkdirs(key); err != nil {
		return err
	}
	dst := f.path(key)
	if fi, err := os.Lstat(dst); err == nil && fi.IsDir() {
		return fmt.Errorf("%w: %q is a directory of other keys", ErrInvalidKey, key)
	}
	if err := os.Rename(staged, dst); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dst))
}

// mkdirs creates the directories of key's parent segments, fsyncing the
// parent of each one it creates.
func (f *FS) mkdirs(key string) error {
	segs := strings.Split(key, "/")
	dir := f.root
	for _, seg := range segs[:len(segs)-1] {
		parent := dir
		dir = filepath.Join(dir, seg)
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			if err := syncDir(parent); err != nil {
				return err
			}
			continue
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		if fi, err := os.Lstat(dir); err != nil {
			return err
		} else if !fi.IsDir() {
			return fmt.Errorf("%w: %q is an object", ErrInvalidKey, f.keyOf(dir))
		}
	}
	return nil
}

// Get implements Bucket.
func (f *FS) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	file, _, err := f.open(ctx, key)
	if err != nil {
		return nil, opError("get", key, nil, err)
	}
	return ctxReadCloser{ctx: ctx, Reader: file, Closer: file}, nil
}

// GetRange implements Bucket.
func (f *FS) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	if err := checkRange(off, length); err != nil {
		return nil, opError("get range", key, nil, err)
	}
	file, fi, err := f.open(ctx, key)
	if err != nil {
		return nil, opError("get range", key, nil, err)
	}
	n, err := rangeIn(off, length, fi.Size())
	if err != nil {
		_ = file.Close()
		return nil, opError("get range", key, nil, err)
	}
	return ctxReadCloser{ctx: ctx, Reader: io.NewSectionReader(file, off, n), Closer: file}, nil
}

func (f *FS) open(ctx context.Context, key string) (*os.File, fs.FileInfo, error) {
	if err := check(ctx, key); err != nil {
		return nil, nil, err
	}
	file, err := os.Open(f.path(key))
	if err != nil {
		return nil, nil, notFound(err)
	}
	fi, err := file.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = ErrNotFound
	}
	if err != nil {
		_ = file.Close()
		return nil, nil, err
	}
	return file, fi, nil
}

// Delete implements Bucket. It removes the directories the deletion leaves
// empty.
func (f *FS) Delete(ctx context.Context, key string) error {
	if err := check(ctx, key); err != nil {
		return opError("delete", key, nil, err)
	}
	f.tree.Lock()
	defer f.tree.Unlock()
	p := f.path(key)
	fi, err := os.Lstat(p)
	switch {
	case err != nil && errors.Is(notFound(err), ErrNotFound):
		return nil
	case err != nil:
		return opError("delete", key, nil, err)
	case !fi.Mode().IsRegular():
		return nil // a directory of other keys, not an object
	}
	if err := os.Remove(p); err != nil {
		return opError("delete", key, nil, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return opError("delete", key, nil, err)
	}
	return f.prune(filepath.Dir(p))
}

// prune removes dir and its ancestors below the root while they are empty.
func (f *FS) prune(dir string) error {
	for dir != f.root {
		if err := os.Remove(dir); err != nil {
			return nil // not empty (or already gone): nothing more to prune
		}
		parent := filepath.Dir(dir)
		if err := syncDir(parent); err != nil {
			return fmt.Errorf("objstore: prune directories: %w", err)
		}
		dir = parent
	}
	return nil
}

// Attributes implements Bucket.
func (f *FS) Attributes(ctx context.Context, key string) (ObjectAttrs, error) {
	if err := check(ctx, key); err != nil {
		return ObjectAttrs{}, opError("attributes", key, nil, err)
	}
	fi, err := os.Lstat(f.path(key))
	if err == nil && !fi.Mode().IsRegular() {
		err = ErrNotFound
	}
	if err != nil {
		return ObjectAttrs{}, opError("attributes", key, nil, notFound(err))
	}
	return fsAttrs(key, fi), nil
}

func (f *FS) path(key string) string {
	return filepath.Join(f.root, filepath.FromSlash(key))
}

func (f *FS) keyOf(path string) string {
	rel, err := filepath.Rel(f.root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

func fsAttrs(key string, fi fs.FileInfo) ObjectAttrs {
	mod := fi.ModTime()
	return ObjectAttrs{
		Key:          key,
		Size:         fi.Size(),
		LastModified: mod,
		ETag:         fmt.Sprintf("%x-%x-%x", inode(fi), mod.UnixNano(), fi.Size()),
	}
}

// notFound maps "no such file" and "a parent is a file" to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
