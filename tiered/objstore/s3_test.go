package objstore_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
	"github.com/strata-streaming/strata/tiered/objstore/objstoretest"
)

func TestS3Acceptance(t *testing.T) {
	srv := miniotest.Start(t)
	objstoretest.AcceptanceTest(t, func(t *testing.T) objstore.Bucket {
		cfg := srv.S3Config(srv.NewBucket(t, "s3"))
		cfg.Prefix = "tiered/"
		return newS3(t, cfg)
	})
}

func newS3(t *testing.T, cfg objstore.S3Config) *objstore.S3 {
	t.Helper()
	b, err := objstore.NewS3(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return b
}

// Objects written with server-side encryption read back as written.
func TestS3ServerSideEncryption(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t, "sse")
	for _, sse := range []struct{ mode, keyID string }{
		{objstore.SSES3, ""},
		{objstore.SSEKMS, srv.KMSKeyID},
	} {
		cfg := srv.S3Config(bucket)
		cfg.SSE, cfg.SSEKMSKeyID = sse.mode, sse.keyID
		b := newS3(t, cfg)
		for _, size := range []int{1000, objstoretest.LargeObjectSize} {
			data := objstoretest.Data(size, 1)
			key := "sse/" + sse.mode
			if err := b.Put(t.Context(), key, bytes.NewReader(data), int64(size)); err != nil {
				t.Fatalf("Put with SSE %q: %v", sse.mode, err)
			}
			checkGet(t, b, key, data)
		}
	}
}

// The prefix is prepended on the way in and stripped on the way out.
func TestS3Prefix(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := srv.S3Config(srv.NewBucket(t, "prefix"))
	whole := newS3(t, cfg)
	cfg.Prefix = "/cluster-a/tiered"
	scoped := newS3(t, cfg)
	checkPrefix(t, whole, scoped, "cluster-a/tiered/")
}

// A stopped server makes requests fail with a retriable error; once it is
// back, they succeed and the data is still there.
func TestS3Outage(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := srv.S3Config(srv.NewBucket(t, "outage"))
	cfg.MaxAttempts = 1
	checkOutage(t, srv, newS3(t, cfg))
}

func TestS3ConfigValidate(t *testing.T) {
	valid := objstore.S3Config{Bucket: "b", Region: "eu-west-1"}
	for _, tc := range []struct {
		name string
		edit func(*objstore.S3Config)
		ok   bool
	}{
		{"minimal", func(*objstore.S3Config) {}, true},
		{"everything", func(c *objstore.S3Config) {
			c.Prefix, c.Endpoint, c.UsePathStyle = "p/q", "https://s3.example:9000", true
			c.AccessKeyID, c.SecretAccessKey, c.SessionToken = "id", "secret", "token"
			c.SSE, c.SSEKMSKeyID, c.PartSize, c.UploadConcurrency, c.MaxAttempts = objstore.SSEKMS, "k", 8<<20, 4, 5
		}, true},
		{"no bucket", func(c *objstore.S3Config) { c.Bucket = "" }, false},
		{"bad prefix", func(c *objstore.S3Config) { c.Prefix = "a/../b" }, false},
		{"endpoint without scheme", func(c *objstore.S3Config) { c.Endpoint = "127.0.0.1:9000" }, false},
		{"access key without secret", func(c *objstore.S3Config) { c.AccessKeyID = "id" }, false},
		{"secret without access key", func(c *objstore.S3Config) { c.SecretAccessKey = "s" }, false},
		{"unknown SSE", func(c *objstore.S3Config) { c.SSE = "rot13" }, false},
		{"KMS key without SSE-KMS", func(c *objstore.S3Config) { c.SSE, c.SSEKMSKeyID = objstore.SSES3, "k" }, false},
		{"small parts", func(c *objstore.S3Config) { c.PartSize = 1 << 20 }, false},
		{"negative attempts", func(c *objstore.S3Config) { c.MaxAttempts = -1 }, false},
	} {
		cfg := valid
		tc.edit(&cfg)
		err := cfg.Validate()
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, objstore.ErrConfig)) {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// Formatting a config in any usual way never shows its secrets.
func TestConfigsHideSecrets(t *testing.T) {
	s3cfg := objstore.S3Config{Bucket: "b", AccessKeyID: "id", SecretAccessKey: "s3-secret-value", SessionToken: "s3-token-value"}
	mcfg := objstore.MinIOConfig{Endpoint: "h:1", Bucket: "b", AccessKey: "id", SecretKey: "minio-secret-value"}
	for _, s := range []string{
		sprint("%v", s3cfg), sprint("%+v", s3cfg), sprint("%#v", s3cfg), sprint("%s", s3cfg),
		sprint("%v", mcfg), sprint("%+v", mcfg), sprint("%#v", mcfg), slogText(s3cfg), slogText(mcfg),
	} {
		for _, secret := range []string{"s3-secret-value", "s3-token-value", "minio-secret-value"} {
			if strings.Contains(s, secret) {
				t.Fatalf("formatted config shows a secret: %s", s)
			}
		}
	}
}
