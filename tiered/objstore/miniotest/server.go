package miniotest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// Deadlines are generous: the machine may be shared and slow. Tests never
// depend on them being short.
const (
	readyTimeout  = 3 * time.Minute
	stopGrace     = 30 * time.Second
	bucketTimeout = time.Minute
	startAttempts = 3
)

// Server is a MinIO server on 127.0.0.1 owned by one test.
type Server struct {
	// Endpoint is the S3 API's address, host:port.
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey string
	SecretKey string
	// Region is the server's region.
	Region string
	// KMSKeyID names the server's built-in KMS key, for SSE-KMS; SSE-S3
	// ("AES256") works too.
	KMSKeyID string

	bin     string
	dataDir string
	logPath string
	args    []string
	env     []string

	mu struct {
		sync.Mutex
		proc    *process // nil while stopped
		buckets int      // buckets made by NewBucket, for unique names
	}
}

// Start runs a new server for the test and stops it when the test ends.
// When the binary is unavailable it skips the test with the reason, or
// fails it under CI.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		bin:       binary(t),
		AccessKey: "strata-" + randomHex(4),
		SecretKey: randomHex(20),
		Region:    "us-east-1",
		KMSKeyID:  "strata-test-key",
	}
	dir := t.TempDir()
	s.dataDir = filepath.Join(dir, "data")
	s.logPath = filepath.Join(dir, "minio.log")
	s.env = s.environ()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("MinIO server log (%s):\n%s", s.logPath, s.logTail())
		}
	})
	var err error
	for range startAttempts {
		if err = s.launchOnFreePorts(t); err == nil {
			return s
		}
	}
	t.Fatalf("miniotest: start MinIO: %v\n%s", err, s.logTail())
	return nil
}

// launchOnFreePorts picks ports and starts the server; a failure leaves it
// stopped, so another attempt can pick other ports.
func (s *Server) launchOnFreePorts(t testing.TB) error {
	api, err := freeAddr()
	if err != nil {
		return err
	}
	console, err := freeAddr()
	if err != nil {
		return err
	}
	s.Endpoint = api
	s.args = []string{
		"server", "--address", api, "--console-address", console,
		"--certs-dir", filepath.Join(filepath.Dir(s.dataDir), "certs"), "--anonymous", s.dataDir,
	}
	return s.launch(t)
}

func (s *Server) launch(t testing.TB) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.proc != nil {
		return nil
	}
	p, err := launch(s.bin, s.args, s.env, s.logPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(t.Context(), readyTimeout)
	defer cancel()
	if err := p.waitReady(ctx, s.Endpoint); err != nil {
		p.stop(stopGrace)
		return err
	}
	s.mu.proc = p
	return nil
}

// environ is the parent's environment without MINIO_ settings, plus the
// server's: credentials, a KMS key, no update checks, console or call-home,
// and a private HOME so nothing is written to the user's.
func (s *Server) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return append(env,
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_KMS_SECRET_KEY="+s.KMSKeyID+":"+base64.StdEncoding.EncodeToString(key),
		"MINIO_UPDATE=off",
		"MINIO_BROWSER=off",
		"MINIO_CALLHOME_ENABLE=off",
		"MINIO_CI_CD=1", // smaller buffers, no production checks of the drive
		"HOME="+filepath.Join(filepath.Dir(s.dataDir), "home"), // its ~/.minio
	)
}

// URL is the S3 API's base URL.
func (s *Server) URL() string { return "http://" + s.Endpoint }

// Stop shuts the server down (SIGTERM, then waits), keeping its data and
// port: requests fail until Restart.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.stop()
}

func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.proc != nil {
		s.mu.proc.stop(stopGrace)
		s.mu.proc = nil
	}
}

// Restart brings a stopped server back (stopping it first if it runs) on
// the same port, credentials and data, and waits until it is ready.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.stop()
	if err := s.launch(t); err != nil {
		t.Fatalf("miniotest: restart MinIO: %v\n%s", err, s.logTail())
	}
}

// NewBucket creates an empty bucket whose name starts with prefix and is
// new on this server, and returns its name.
func (s *Server) NewBucket(t testing.TB, prefix string) string {
	t.Helper()
	s.mu.Lock()
	s.mu.buckets++
	name := bucketName(prefix, s.mu.buckets)
	s.mu.Unlock()
	client, err := minio.New(s.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: s.Region,
	})
	if err != nil {
		t.Fatalf("miniotest: client: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), bucketTimeout)
	defer cancel()
	if err := client.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		t.Fatalf("miniotest: create bucket %q: %v", name, err)
	}
	return name
}

// bucketName makes a valid S3 bucket name: lower-case letters, digits and
// '-', 3 to 63 characters.
func bucketName(prefix string, n int) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, prefix)
	suffix := fmt.Sprintf("-%d", n)
	clean = strings.Trim(clean, "-")
	if len(clean) > 63-len(suffix) {
		clean = clean[:63-len(suffix)]
	}
	if clean == "" {
		clean = "bucket"
	}
	return clean + suffix
}

// S3Config is an objstore.S3Config for bucket on this server, with the
// smallest part size so multi-MiB objects go up in several parts.
func (s *Server) S3Config(bucket string) objstore.S3Config {
	return objstore.S3Config{
		Bucket:          bucket,
		Region:          s.Region,
		Endpoint:        s.URL(),
		UsePathStyle:    true,
		AccessKeyID:     s.AccessKey,
		SecretAccessKey: objstore.Secret(s.SecretKey),
		PartSize:        objstore.MinPartSize,
	}
}

// MinIOConfig is an objstore.MinIOConfig for bucket on this server, with
// the smallest part size so multi-MiB objects go up in several parts.
func (s *Server) MinIOConfig(bucket string) objstore.MinIOConfig {
	return objstore.MinIOConfig{
		Endpoint:  s.Endpoint,
		Bucket:    bucket,
		Region:    s.Region,
		AccessKey: s.AccessKey,
		SecretKey: objstore.Secret(s.SecretKey),
		PartSize:  objstore.MinPartSize,
	}
}

func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tail(b, 8192)
}

// binary returns the server binary, building it if needed, or ends the
// test: skipped locally, failed under CI.
func binary(t testing.TB) string {
	t.Helper()
	path, err := BinaryPath()
	if err == nil && testing.Short() && !isExecutable(path) {
		err = errors.New("not built, and -short does not build it (run `make minio`)")
	}
	if err == nil {
		path, err = buildOnce(testLog{t})
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("miniotest: MinIO server unavailable: %v", err)
		}
		t.Skipf("miniotest: MinIO server unavailable, skipping: %v", err)
	}
	return path
}

// testLog sends build progress to the log of the test that started it.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
