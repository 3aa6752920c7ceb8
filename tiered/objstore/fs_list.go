package objstore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// List implements Bucket. It walks only the directory that prefix names and
// the subdirectories that can hold matching keys, visiting each directory's
// entries in the order of the keys they lead to.
func (f *FS) List(ctx context.Context, prefix string, fn func(ObjectAttrs) error) error {
	if err := ctx.Err(); err != nil {
		return opError("list", prefix, nil, err)
	}
	dir, ok := listDir(prefix)
	if !ok || !listable(prefix) {
		return nil // no valid key can start with prefix
	}
	err := f.walk(ctx, dir, prefix, fn)
	var stop fnError
	if errors.As(err, &stop) {
		return stop.err
	}
	if err != nil {
		return opError("list", prefix, nil, err)
	}
	return nil
}

// fnError carries the callback's error out of the walk untouched.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// walk lists dirKey, a "" or '/'-terminated key directory.
func (f *FS) walk(ctx context.Context, dirKey, prefix string, fn func(ObjectAttrs) error) error {
	entries, err := os.ReadDir(filepath.Join(f.root, filepath.FromSlash(dirKey)))
	if err != nil {
		if errors.Is(notFound(err), ErrNotFound) {
			return nil // absent, or removed by a concurrent Delete
		}
		return err
	}
	sortByKey(entries)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := dirKey + e.Name()
		if e.IsDir() {
			sub := key + "/"
			if strings.HasPrefix(sub, prefix) || strings.HasPrefix(prefix, sub) {
				if err := f.walk(ctx, sub, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			continue
		}
		if err := f.visit(e, key, fn); err != nil {
			return err
		}
	}
	return nil
}

func (f *FS) visit(e fs.DirEntry, key string, fn func(ObjectAttrs) error) error {
	fi, err := e.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return nil // deleted since the directory was read
	}
	if err != nil {
		return err
	}
	if err := fn(fsAttrs(key, fi)); err != nil {
		return fnError{err}
	}
	return nil
}

// sortByKey orders directory entries as the keys they lead to sort: a
// directory "a" holds keys "a/...", so it sorts as "a/", after "a-b" and
// before "a0".
func sortByKey(entries []fs.DirEntry) {
	name := func(e fs.DirEntry) string {
		if e.IsDir() {
			return e.Name() + "/"
		}
		return e.Name()
	}
	sort.Slice(entries, func(i, j int) bool { return name(entries[i]) < name(entries[j]) })
}

// listDir returns the key directory that holds every key starting with
// prefix ("" for the root), and false when no valid key can start with it.
func listDir(prefix string) (string, bool) {
	i := strings.LastIndexByte(prefix, '/')
	if i < 0 {
		return "", true
	}
	if checkKey(prefix[:i]) != "" {
		return "", false
	}
	return prefix[:i+1], true
}
