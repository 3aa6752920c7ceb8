package objstore_test

import (
	"errors"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
	"github.com/strata-streaming/strata/tiered/objstore/objstoretest"
)

func TestMinIOAcceptance(t *testing.T) {
	srv := miniotest.Start(t)
	objstoretest.AcceptanceTest(t, func(t *testing.T) objstore.Bucket {
		return newMinIO(t, srv.MinIOConfig(srv.NewBucket(t, "minio")))
	})
}

func newMinIO(t *testing.T, cfg objstore.MinIOConfig) *objstore.MinIO {
	t.Helper()
	b, err := objstore.NewMinIO(cfg)
	if err != nil {
		t.Fatalf("NewMinIO: %v", err)
	}
	return b
}

func TestMinIOPrefix(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := srv.MinIOConfig(srv.NewBucket(t, "prefix"))
	whole := newMinIO(t, cfg)
	cfg.Prefix = "cluster-a/tiered/"
	scoped := newMinIO(t, cfg)
	checkPrefix(t, whole, scoped, "cluster-a/tiered/")
}

func TestMinIOOutage(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := srv.MinIOConfig(srv.NewBucket(t, "outage"))
	cfg.MaxAttempts = 1
	checkOutage(t, srv, newMinIO(t, cfg))
}

func TestMinIOConfigValidate(t *testing.T) {
	valid := objstore.MinIOConfig{Endpoint: "127.0.0.1:9000", Bucket: "b"}
	for _, tc := range []struct {
		name string
		edit func(*objstore.MinIOConfig)
		ok   bool
	}{
		{"minimal", func(*objstore.MinIOConfig) {}, true},
		{"everything", func(c *objstore.MinIOConfig) {
			c.Secure, c.Prefix, c.Region = true, "p", "r"
			c.AccessKey, c.SecretKey, c.SessionToken = "a", "s", "t"
			c.PartSize, c.MaxAttempts = 64<<20, 2
		}, true},
		{"no endpoint", func(c *objstore.MinIOConfig) { c.Endpoint = "" }, false},
		{"endpoint URL", func(c *objstore.MinIOConfig) { c.Endpoint = "http://127.0.0.1:9000" }, false},
		{"no bucket", func(c *objstore.MinIOConfig) { c.Bucket = "" }, false},
		{"bad prefix", func(c *objstore.MinIOConfig) { c.Prefix = "a//b" }, false},
		{"half credentials", func(c *objstore.MinIOConfig) { c.AccessKey = "a" }, false},
		{"huge parts", func(c *objstore.MinIOConfig) { c.PartSize = 6 << 30 }, false},
	} {
		cfg := valid
		tc.edit(&cfg)
		err := cfg.Validate()
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, objstore.ErrConfig)) {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
