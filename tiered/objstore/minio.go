package objstore

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOConfig configures a bucket reached through minio-go, for MinIO and
// other S3-compatible stores.
type MinIOConfig struct {
	// Endpoint is the server's host:port, without a scheme. Required.
	Endpoint string
	// Secure selects https.
	Secure bool
	// Bucket is the bucket's name. Required.
	Bucket string
	// Prefix, when set, is a folder prepended to every key and stripped
	// from listed keys; "tiered" and "/tiered/" both mean "tiered/".
	Prefix string
	// Region is the bucket's region; empty lets the client discover it.
	Region string
	// AccessKey, SecretKey and SessionToken are static credentials. Empty:
	// the environment (MINIO_ROOT_USER and MINIO_ROOT_PASSWORD, then
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
	AccessKey    string
	SecretKey    Secret
	SessionToken Secret
	// PartSize is the size of a multipart upload's parts; objects up to it
	// go in one PUT. 0 means DefaultPartSize.
	PartSize int64
	// MaxAttempts bounds the client's attempts per request, retries of
	// transient errors included. 0 means the client's default (10).
	MaxAttempts int
}

// Validate reports the first setting that cannot work, wrapping ErrConfig.
func (c MinIOConfig) Validate() error {
	switch {
	case c.Endpoint == "":
		return fmt.Errorf("%w: minio endpoint not set", ErrConfig)
	case strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/"):
		return fmt.Errorf("%w: minio endpoint %q must be host:port (use Secure for https)", ErrConfig, c.Endpoint)
	case c.Bucket == "":
		return fmt.Errorf("%w: minio bucket not set", ErrConfig)
	case (c.AccessKey == "") != (c.SecretKey == "") || (c.SessionToken != "" && c.AccessKey == ""):
		return fmt.Errorf("%w: minio static credentials need both an access key and a secret key", ErrConfig)
	case c.PartSize != 0 && (c.PartSize < MinPartSize || c.PartSize > MaxPartSize):
		return fmt.Errorf("%w: minio part size %d outside [%d, %d]", ErrConfig, c.PartSize, MinPartSize, MaxPartSize)
	case c.MaxAttempts < 0:
		return fmt.Errorf("%w: minio max attempts must not be negative", ErrConfig)
	}
	_, err := normalizePrefix(c.Prefix)
	return err
}

// MinIO is a Bucket in MinIO or another S3-compatible store.
type MinIO struct {
	core     *minio.Core
	bucket   string
	prefix   string
	partSize uint64
}

var _ Bucket = (*MinIO)(nil)

// NewMinIO returns the bucket cfg describes. It makes no request: a missing
// bucket or bad credentials show on first use.
func NewMinIO(cfg MinIOConfig) (*MinIO, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvMinio{}, &credentials.EnvAWS{},
	})
	if cfg.AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, string(cfg.SecretKey), string(cfg.SessionToken))
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      creds,
		Secure:     cfg.Secure,
		Region:     cfg.Region,
		MaxRetries: cfg.MaxAttempts,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: minio client: %w", ErrConfig, err)
	}
	prefix, _ := normalizePrefix(cfg.Prefix)
	return &MinIO{
		core:     &minio.Core{Client: client},
		bucket:   cfg.Bucket,
		prefix:   prefix,
		partSize: uint64(orDefault(cfg.PartSize, DefaultPartSize)),
	}, nil
}

// Put implements Bucket. Objects larger than the part size go up as a
// multipart upload, which the client aborts if any part fails.
func (b *MinIO) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	full, err := b.key(ctx, key)
	if err == nil {
		err = checkSize(size)
	}
	if err != nil {
		return opError("put", key, nil, err)
	}
	pr := newPutReader(ctx, r, size)
	if size == 0 {
		// The client sends no body for an empty object, so it never
		// reads r: check that r is empty here.
		if _, err := pr.Read(nil); err != io.EOF {
			return opError("put", key, nil, pr.cause(err))
		}
	}
	opts := minio.PutObjectOptions{PartSize: b.partSize}
	if _, err := b.core.Client.PutObject(ctx, b.bucket, full, pr, size, opts); err != nil {
		return putError(key, pr, err, minioError)
	}
	return nil
}

// Get implements Bucket.
func (b *MinIO) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	full, err := b.key(ctx, key)
	if err != nil {
		return nil, opError("get", key, nil, err)
	}
	body, _, _, err := b.core.GetObject(ctx, b.bucket, full, minio.GetObjectOptions{})
	if err != nil {
		return nil, minioError("get", key, err)
	}
	return remoteBody{ctx: ctx, key: key, ReadCloser: body}, nil
}

// GetRange implements Bucket.
func (b *MinIO) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	full, err := b.key(ctx, key)
	if err == nil {
		err = checkRange(off, length)
	}
	if err != nil {
		return nil, opError("get range", key, nil, err)
	}
	var opts minio.GetObjectOptions
	opts.Set("Range", rangeHeader(off, length))
	body, _, header, err := b.core.GetObject(ctx, b.bucket, full, opts)
	if err != nil {
		return nil, minioError("get range", key, err)
	}
	if err := checkContentRange(header.Get("Content-Range"), off, length); err != nil {
		_ = body.Close()
		return nil, opError("get range", key, nil, err)
	}
	return remoteBody{ctx: ctx, key: key, ReadCloser: body}, nil
}

// Delete implements Bucket.
func (b *MinIO) Delete(ctx context.Context, key string) error {
	full, err := b.key(ctx, key)
	if err != nil {
		return opError("delete", key, nil, err)
	}
	if err := b.core.RemoveObject(ctx, b.bucket, full, minio.RemoveObjectOptions{}); err != nil {
		return minioError("delete", key, err)
	}
	return nil
}

// List implements Bucket with ListObjectsV2, whose pages come in UTF-8
// binary order.
func (b *MinIO) List(ctx context.Context, prefix string, fn func(ObjectAttrs) error) error {
	if err := ctx.Err(); err != nil {
		return opError("list", prefix, nil, err)
	}
	if !listable(prefix) {
		return nil // the store could reject it; no key can match
	}
	// Cancelling lctx stops the client's listing when fn ends it early.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	objects := b.core.ListObjectsIter(lctx, b.bucket, minio.ListObjectsOptions{
		Prefix: b.prefix + prefix, Recursive: true,
	})
	for obj := range objects {
		if obj.Err != nil {
			return minioError("list", prefix, obj.Err)
		}
		attrs := ObjectAttrs{
			Key:          strings.TrimPrefix(obj.Key, b.prefix),
			Size:         obj.Size,
			LastModified: obj.LastModified,
			ETag:         trimETag(obj.ETag),
		}
		if err := ctx.Err(); err != nil {
			return opError("list", prefix, nil, err)
		}
		if err := fn(attrs); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return opError("list", prefix, nil, err)
	}
	return nil
}

// Attributes implements Bucket.
func (b *MinIO) Attributes(ctx context.Context, key string) (ObjectAttrs, error) {
	full, err := b.key(ctx, key)
	if err != nil {
		return ObjectAttrs{}, opError("attributes", key, nil, err)
	}
	info, err := b.core.StatObject(ctx, b.bucket, full, minio.StatObjectOptions{})
	if err != nil {
		return ObjectAttrs{}, minioError("attributes", key, err)
	}
	return ObjectAttrs{Key: key, Size: info.Size, LastModified: info.LastModified, ETag: trimETag(info.ETag)}, nil
}

// key checks ctx and key and returns the key as stored, prefix included.
func (b *MinIO) key(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return prefixed(b.prefix, key)
}
