package objstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Mem is a Bucket held in memory: the twin of the remote backends for tests
// and for a broker without a remote tier configured. Objects are lost when
// the process exits.
type Mem struct {
	mu struct {
		sync.RWMutex
		objects map[string]memObject
	}
}

type memObject struct {
	data    []byte // never modified once stored
	modTime time.Time
	etag    string
}

var _ Bucket = (*Mem)(nil)

// memPrealloc caps the buffer Put allocates up front from the declared size.
const memPrealloc = 64 << 20

// NewMem returns an empty in-memory bucket.
func NewMem() *Mem {
	m := &Mem{}
	m.mu.objects = make(map[string]memObject)
	return m
}

// Put implements Bucket.
func (m *Mem) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := check(ctx, key); err != nil {
		return opError("put", key, nil, err)
	}
	if err := checkSize(size); err != nil {
		return opError("put", key, nil, err)
	}
	pr := newPutReader(ctx, r, size)
	buf := bytes.NewBuffer(make([]byte, 0, min(size, memPrealloc)))
	if _, err := buf.ReadFrom(pr); err != nil {
		return opError("put", key, nil, pr.cause(err))
	}
	data := buf.Bytes()
	sum := md5.Sum(data)
	obj := memObject{data: data, modTime: time.Now(), etag: hex.EncodeToString(sum[:])}
	m.mu.Lock()
	m.mu.objects[key] = obj
	m.mu.Unlock()
	return nil
}

// Get implements Bucket.
func (m *Mem) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := m.lookup(ctx, key)
	if err != nil {
		return nil, opError("get", key, nil, err)
	}
	return memReader(ctx, obj.data), nil
}

// GetRange implements Bucket.
func (m *Mem) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	if err := checkRange(off, length); err != nil {
		return nil, opError("get range", key, nil, err)
	}
	obj, err := m.lookup(ctx, key)
	if err != nil {
		return nil, opError("get range", key, nil, err)
	}
	n, err := rangeIn(off, length, int64(len(obj.data)))
	if err != nil {
		return nil, opError("get range", key, nil, err)
	}
	return memReader(ctx, obj.data[off:off+n]), nil
}

// Delete implements Bucket.
func (m *Mem) Delete(ctx context.Context, key string) error {
	if err := check(ctx, key); err != nil {
		return opError("delete", key, nil, err)
	}
	m.mu.Lock()
	delete(m.mu.objects, key)
	m.mu.Unlock()
	return nil
}

// List implements Bucket. fn runs without any lock held, so it may call m.
func (m *Mem) List(ctx context.Context, prefix string, fn func(ObjectAttrs) error) error {
	if err := ctx.Err(); err != nil {
		return opError("list", prefix, nil, err)
	}
	for _, attrs := range m.snapshot(prefix) {
		if err := ctx.Err(); err != nil {
			return opError("list", prefix, nil, err)
		}
		if err := fn(attrs); err != nil {
			return err
		}
	}
	return nil
}

// Attributes implements Bucket.
func (m *Mem) Attributes(ctx context.Context, key string) (ObjectAttrs, error) {
	obj, err := m.lookup(ctx, key)
	if err != nil {
		return ObjectAttrs{}, opError("attributes", key, nil, err)
	}
	return obj.attrs(key), nil
}

func (m *Mem) lookup(ctx context.Context, key string) (memObject, error) {
	if err := check(ctx, key); err != nil {
		return memObject{}, err
	}
	m.mu.RLock()
	obj, ok := m.mu.objects[key]
	m.mu.RUnlock()
	if !ok {
		return memObject{}, ErrNotFound
	}
	return obj, nil
}

// snapshot returns the attributes of the objects under prefix, sorted.
func (m *Mem) snapshot(prefix string) []ObjectAttrs {
	m.mu.RLock()
	var out []ObjectAttrs
	for key, obj := range m.mu.objects {
		if strings.HasPrefix(key, prefix) {
			out = append(out, obj.attrs(key))
		}
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (o memObject) attrs(key string) ObjectAttrs {
	return ObjectAttrs{Key: key, Size: int64(len(o.data)), LastModified: o.modTime, ETag: o.etag}
}

func memReader(ctx context.Context, data []byte) io.ReadCloser {
	return ctxReadCloser{ctx: ctx, Reader: bytes.NewReader(data), Closer: nopCloser{}}
}
