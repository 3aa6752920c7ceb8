package miniotest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func TestBucketName(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		n      int
		want   string
	}{
		{"s3", 1, "s3-1"},
		{"TestS3/Acceptance_x", 12, "tests3-acceptance-x-12"},
		{"", 3, "bucket-3"},
		{"---", 3, "bucket-3"},
		{strings.Repeat("a", 80), 7, strings.Repeat("a", 61) + "-7"},
	} {
		if got := bucketName(tc.prefix, tc.n); got != tc.want {
			t.Errorf("bucketName(%q, %d) = %q, want %q", tc.prefix, tc.n, got, tc.want)
		}
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("MINIO_ROOT_USER", "inherited")
	t.Setenv("MINIO_VOLUMES", "/elsewhere")
	s := &Server{AccessKey: "ak", SecretKey: "sk", KMSKeyID: "key", dataDir: "/tmp/x/data"}
	env := s.environ()
	for _, want := range []string{"MINIO_ROOT_USER=ak", "MINIO_ROOT_PASSWORD=sk", "MINIO_UPDATE=off", "HOME=/tmp/x/home"} {
		if !slices.Contains(env, want) {
			t.Errorf("environment lacks %s", want)
		}
	}
	for _, kv := range env {
		if kv == "MINIO_ROOT_USER=inherited" || strings.HasPrefix(kv, "MINIO_VOLUMES=") {
			t.Errorf("environment inherits %s", kv)
		}
	}
}

// Stop takes the server down and Restart brings it back on the same
// address with its buckets; both may be repeated.
func TestStopRestart(t *testing.T) {
	srv := Start(t)
	bucket := srv.NewBucket(t, "keep")
	if !live(srv) {
		t.Fatal("server not live after Start")
	}
	srv.Stop(t)
	srv.Stop(t)
	if live(srv) {
		t.Fatal("server still answers after Stop")
	}
	srv.Restart(t)
	srv.Restart(t)
	if !live(srv) {
		t.Fatal("server not live after Restart")
	}
	client, err := minio.New(srv.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Region: srv.Region,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := client.BucketExists(t.Context(), bucket); err != nil || !ok {
		t.Fatalf("bucket %q after Restart: exists=%v, %v", bucket, ok, err)
	}
}

func live(srv *Server) bool {
	resp, err := http.Get(srv.URL() + "/minio/health/live")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
