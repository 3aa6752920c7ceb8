package objstore_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
)

func TestOpenURLRefusesBadURLs(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"ftp://host/bucket", `scheme "ftp"`},
		{"s3://key:secret@bucket/p", "credentials in the URL"},
		{"s3://bucket/p?endpoint=ftp://x", "not an http(s) URL"},
		{"s3://bucket/p?path-style=maybe", `path-style="maybe"`},
		{"s3://bucket/p?colour=blue", `unknown parameter "colour"`},
		{"s3:///prefix", "bucket not set"},
		{"minio://127.0.0.1:9000", "bucket not set"},
		{"minio://127.0.0.1:9000/b?max-attempts=-1", "not a count"},
		{"file://host/path", "file:///absolute/path"},
		{"file:///tmp/x?sync=true", "file URLs take no parameters"},
	} {
		_, err := objstore.OpenURL(context.Background(), tc.url)
		if !errors.Is(err, objstore.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenURL(%q) = %v, want ErrConfig mentioning %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("OpenURL(%q) error shows the secret: %v", tc.url, err)
		}
	}
}

func TestOpenURLFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "objects")
	b, err := objstore.OpenURL(context.Background(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, b)
}

// roundTrip puts, probes and reads back one object.
func roundTrip(t *testing.T, b objstore.Bucket) {
	t.Helper()
	ctx := context.Background()
	if err := objstore.Probe(ctx, b); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if err := b.Put(ctx, "topics/a/b", bytes.NewReader([]byte("x")), 1); err != nil {
		t.Fatal(err)
	}
	if err := objstore.Probe(ctx, b); err != nil {
		t.Fatalf("Probe with an object: %v", err)
	}
	if a, err := b.Attributes(ctx, "topics/a/b"); err != nil || a.Size != 1 {
		t.Fatalf("Attributes = %+v, %v", a, err)
	}
}

func TestOpenURLAgainstMinIO(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t, "url")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("MINIO_ROOT_USER", srv.AccessKey)
	t.Setenv("MINIO_ROOT_PASSWORD", srv.SecretKey)
	ctx := context.Background()
	s3URL := "s3://" + bucket + "/strata?endpoint=" + srv.URL() + "&region=" + srv.Region + "&path-style=true&max-attempts=1"
	minioURL := "minio://" + srv.Endpoint + "/" + bucket + "/strata2?region=" + srv.Region + "&max-attempts=1"
	for _, u := range []string{s3URL, minioURL} {
		b, err := objstore.OpenURL(ctx, u)
		if err != nil {
			t.Fatalf("OpenURL(%s): %v", u, err)
		}
		roundTrip(t, b)
	}
	// A missing bucket and refused credentials fail the probe.
	for _, u := range []string{
		strings.Replace(s3URL, bucket, "no-such-bucket-here", 1),
		strings.Replace(minioURL, bucket, "no-such-bucket-here", 1),
	} {
		b, err := objstore.OpenURL(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if err := objstore.Probe(ctx, b); err == nil {
			t.Errorf("Probe of a missing bucket (%s) succeeded", u)
		}
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	t.Setenv("MINIO_ROOT_PASSWORD", "wrong-secret")
	for _, u := range []string{s3URL, minioURL} {
		b, err := objstore.OpenURL(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if err := objstore.Probe(ctx, b); err == nil {
			t.Errorf("Probe with a wrong secret (%s) succeeded", u)
		}
	}
}
