package objstore

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Server-side encryption modes of S3Config.SSE.
const (
	SSENone = ""
	SSES3   = "AES256"  // SSE-S3: keys managed by the store
	SSEKMS  = "aws:kms" // SSE-KMS: SSEKMSKeyID, or the account's default key
)

// Part sizes for multipart uploads.
const (
	MinPartSize     int64 = 5 << 20 // S3's smallest part but the last
	MaxPartSize     int64 = 5 << 30
	DefaultPartSize int64 = 16 << 20
)

// S3Config configures an S3 bucket reached through aws-sdk-go-v2.
type S3Config struct {
	// Bucket is the bucket's name. Required.
	Bucket string
	// Prefix, when set, is a folder prepended to every key and stripped
	// from listed keys; "tiered" and "/tiered/" both mean "tiered/".
	Prefix string
	// Region is the bucket's region. Empty: the SDK's default chain
	// (AWS_REGION, shared config), else "us-east-1" with an Endpoint.
	Region string
	// Endpoint overrides the service URL, e.g. "http://127.0.0.1:9000" for
	// an S3-compatible store. Empty: AWS.
	Endpoint string
	// UsePathStyle addresses the bucket as endpoint/bucket/key rather than
	// bucket.endpoint/key; S3-compatible stores usually need it.
	UsePathStyle bool
	// AccessKeyID, SecretAccessKey and SessionToken are static credentials.
	// Empty: the SDK's default chain (environment, shared files, web
	// identity, instance or container role).
	AccessKeyID     string
	SecretAccessKey Secret
	SessionToken    Secret
	// SSE asks for server-side encryption of new objects: SSENone, SSES3 or
	// SSEKMS.
	SSE string
	// SSEKMSKeyID is the KMS key for SSEKMS; empty uses the default key.
	SSEKMSKeyID string
	// PartSize is the size of a multipart upload's parts; objects up to it
	// go in one PUT. 0 means DefaultPartSize.
	PartSize int64
	// UploadConcurrency is how many parts of one object upload at once; it
	// bounds Put's memory to about PartSize × (UploadConcurrency+1). 0
	// means 2.
	UploadConcurrency int
	// MaxAttempts bounds the SDK's attempts per request, retries of
	// transient errors included. 0 means the SDK's default (3).
	MaxAttempts int
}

// Validate reports the first setting that cannot work, wrapping ErrConfig.
func (c S3Config) Validate() error {
	if c.Bucket == "" {
		return fmt.Errorf("%w: s3 bucket not set", ErrConfig)
	}
	if _, err := normalizePrefix(c.Prefix); err != nil {
		return err
	}
	if err := validateEndpointURL(c.Endpoint); err != nil {
		return err
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") ||
		(c.SessionToken != "" && c.AccessKeyID == "") {
		return fmt.Errorf("%w: s3 static credentials need both an access key id and a secret key", ErrConfig)
	}
	switch c.SSE {
	case SSENone, SSES3:
		if c.SSEKMSKeyID != "" {
			return fmt.Errorf("%w: s3 SSE-KMS key id set without SSE %q", ErrConfig, SSEKMS)
		}
	case SSEKMS:
	default:
		return fmt.Errorf("%w: s3 SSE %q is not %q, %q or empty", ErrConfig, c.SSE, SSES3, SSEKMS)
	}
	if c.PartSize != 0 && (c.PartSize < MinPartSize || c.PartSize > MaxPartSize) {
		return fmt.Errorf("%w: s3 part size %d outside [%d, %d]", ErrConfig, c.PartSize, MinPartSize, MaxPartSize)
	}
	if c.UploadConcurrency < 0 || c.MaxAttempts < 0 {
		return fmt.Errorf("%w: s3 upload concurrency and max attempts must not be negative", ErrConfig)
	}
	return nil
}

func validateEndpointURL(endpoint string) error {
	if endpoint == "" {
		return nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: endpoint %q is not an http(s) URL", ErrConfig, endpoint)
	}
	return nil
}

// S3 is a Bucket in Amazon S3 or an S3-compatible store.
type S3 struct {
	client   *s3.Client
	uploader *manager.Uploader
	bucket   string
	prefix   string
	sse      types.ServerSideEncryption
	kmsKeyID *string
}

var _ Bucket = (*S3)(nil)

// NewS3 returns the bucket cfg describes. It makes no request: a missing
// bucket or bad credentials show on first use.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, s3LoadOptions(cfg)...)
	if err != nil {
		return nil, fmt.Errorf("objstore: load aws config: %w", err)
	}
	if awsCfg.Region == "" {
		if cfg.Endpoint == "" {
			return nil, fmt.Errorf("%w: s3 region not set and not found in the environment", ErrConfig)
		}
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.UsePathStyle
		// S3-compatible stores send no response checksums; reads are
		// checked by Strata's own CRCs, so the SDK need not log each one.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	prefix, _ := normalizePrefix(cfg.Prefix)
	b := &S3{client: client, bucket: cfg.Bucket, prefix: prefix, sse: types.ServerSideEncryption(cfg.SSE)}
	if cfg.SSEKMSKeyID != "" {
		b.kmsKeyID = aws.String(cfg.SSEKMSKeyID)
	}
	b.uploader = manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = orDefault(cfg.PartSize, DefaultPartSize)
		u.Concurrency = int(orDefault(int64(cfg.UploadConcurrency), 2))
	})
	return b, nil
}

func s3LoadOptions(cfg S3Config) []func(*config.LoadOptions) error {
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AccessKeyID != "" {
		creds := credentials.NewStaticCredentialsProvider(
			cfg.AccessKeyID, string(cfg.SecretAccessKey), string(cfg.SessionToken))
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	// The SDK retries transient errors itself, but its client-side retry
	// quota would keep failing requests for a while after an outage ends;
	// Strata's uploaders and readers back off on their own.
	attempts := cfg.MaxAttempts
	opts = append(opts, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.RateLimiter = ratelimit.None
			if attempts > 0 {
				o.MaxAttempts = attempts
			}
		})
	}))
	return opts
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// Put implements Bucket. Objects larger than the part size go up as a
// multipart upload, which the uploader aborts if any part fails.
func (b *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	full, err := b.key(ctx, key)
	if err == nil {
		err = checkSize(size)
	}
	if err != nil {
		return opError("put", key, nil, err)
	}
	pr := newPutReader(ctx, r, size)
	in := &s3.PutObjectInput{Bucket: &b.bucket, Key: &full, Body: pr}
	if b.sse != "" {
		in.ServerSideEncryption = b.sse
		in.SSEKMSKeyId = b.kmsKeyID
	}
	if _, err := b.uploader.Upload(ctx, in); err != nil {
		return putError(key, pr, err, s3Error)
	}
	return nil
}

// Get implements Bucket.
func (b *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	full, err := b.key(ctx, key)
	if err != nil {
		return nil, opError("get", key, nil, err)
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &full})
	if err != nil {
		return nil, s3Error("get", key, err)
	}
	return remoteBody{ctx: ctx, key: key, ReadCloser: out.Body}, nil
}

// GetRange implements Bucket.
func (b *S3) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	full, err := b.key(ctx, key)
	if err == nil {
		err = checkRange(off, length)
	}
	if err != nil {
		return nil, opError("get range", key, nil, err)
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: &b.bucket, Key: &full, Range: aws.String(rangeHeader(off, length)),
	})
	if err != nil {
		return nil, s3Error("get range", key, err)
	}
	if err := checkContentRange(aws.ToString(out.ContentRange), off, length); err != nil {
		_ = out.Body.Close()
		return nil, opError("get range", key, nil, err)
	}
	return remoteBody{ctx: ctx, key: key, ReadCloser: out.Body}, nil
}

// Delete implements Bucket.
func (b *S3) Delete(ctx context.Context, key string) error {
	full, err := b.key(ctx, key)
	if err != nil {
		return opError("delete", key, nil, err)
	}
	_, err = b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: &full})
	if err != nil {
		return s3Error("delete", key, err)
	}
	return nil
}

// List implements Bucket with ListObjectsV2, whose pages come in UTF-8
// binary order.
func (b *S3) List(ctx context.Context, prefix string, fn func(ObjectAttrs) error) error {
	if err := ctx.Err(); err != nil {
		return opError("list", prefix, nil, err)
	}
	if !listable(prefix) {
		return nil // the store could reject it; no key can match
	}
	pages := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{
		Bucket: &b.bucket, Prefix: aws.String(b.prefix + prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return s3Error("list", prefix, err)
		}
		for _, obj := range page.Contents {
			attrs := ObjectAttrs{
				Key:          strings.TrimPrefix(aws.ToString(obj.Key), b.prefix),
				Size:         aws.ToInt64(obj.Size),
				LastModified: aws.ToTime(obj.LastModified),
				ETag:         trimETag(aws.ToString(obj.ETag)),
			}
			if err := ctx.Err(); err != nil {
				return opError("list", prefix, nil, err)
			}
			if err := fn(attrs); err != nil {
				return err
			}
		}
	}
	return nil
}

// Attributes implements Bucket.
func (b *S3) Attributes(ctx context.Context, key string) (ObjectAttrs, error) {
	full, err := b.key(ctx, key)
	if err != nil {
		return ObjectAttrs{}, opError("attributes", key, nil, err)
	}
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &full})
	if err != nil {
		return ObjectAttrs{}, s3Error("attributes", key, err)
	}
	return ObjectAttrs{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		LastModified: aws.ToTime(out.LastModified),
		ETag:         trimETag(aws.ToString(out.ETag)),
	}, nil
}

// key checks ctx and key and returns the key as stored, prefix included.
func (b *S3) key(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return prefixed(b.prefix, key)
}

func trimETag(etag string) string { return strings.Trim(etag, `"`) }
