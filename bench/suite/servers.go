package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
)

// Deadlines are generous: the machine may be shared and slow.
const (
	readyTimeout = 2 * time.Minute
	stopGrace    = 30 * time.Second
)

// brokerProc is a `strata serve` the suite runs. It can be stopped and
// started again on the same address, data and flags.
type brokerProc struct {
	*child
	name, bin, logPath string
	args, env          []string
	Addr               string
	DataDir            string
}

// startBroker runs bin/strata serve on a free port with data under
// dir/name, plus extra arguments and environment, and waits until it
// answers Kafka requests.
func startBroker(ctx context.Context, strata, dir, name string, extra, env []string) (*brokerProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, name)
	args := append([]string{
		"serve", "--listen", addr, "--data-dir", data, "--log-level", "warn", "--admin-listen", "127.0.0.1:0",
		"--override", "group.initial.rebalance.delay.ms=0",
	}, extra...)
	b := &brokerProc{name: name, bin: strata, logPath: filepath.Join(dir, name+".log"), args: args, env: env, Addr: addr, DataDir: data}
	if err := b.start(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// start runs the broker and waits until it is ready.
func (b *brokerProc) start(ctx context.Context) error {
	c, err := startChild(b.name, b.bin, b.args, b.env, b.logPath)
	if err != nil {
		return err
	}
	b.child = c
	if err := b.waitReady(ctx); err != nil {
		b.stop(stopGrace)
		return err
	}
	return nil
}

// restart stops the broker, runs between (if not nil) while it is down,
// and starts it again with the same address, data directory and flags.
func (b *brokerProc) restart(ctx context.Context, between func() error) error {
	b.stop(stopGrace)
	if between != nil {
		if err := between(); err != nil {
			return err
		}
	}
	return b.start(ctx)
}

// stop ends the broker, if it runs, and waits for it. It is defined here,
// not promoted from child, so that a deferred b.stop stops the process
// running at the time, even after a restart.
func (b *brokerProc) stop(grace time.Duration) {
	if b.child != nil {
		b.child.stop(grace)
	}
}

// waitReady pings the broker until it answers, it exits, or time runs out.
func (b *brokerProc) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr))
	if err != nil {
		return fmt.Errorf("suite: client of %s: %w", b.name, err)
	}
	defer cl.Close()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		err := cl.Ping(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-b.done:
			return fmt.Errorf("suite: %s exited before it was ready (%v): %s", b.name, b.err, b.logTail())
		case <-ctx.Done():
			return fmt.Errorf("suite: %s not ready: %w: %s", b.name, err, b.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// minioProc is the MinIO server the suite runs. It can be stopped and
// restarted on the same port and data, to make uploads wait.
type minioProc struct {
	*child
	bin, logPath string
	args, env    []string
	Endpoint     string
	AccessKey    string
	SecretKey    string
	Region       string
	Client       *minio.Client
}

// startMinIO builds (once, cached) and runs the pinned MinIO server with
// data under dir, and waits until it serves requests.
func startMinIO(ctx context.Context, dir string, log io.Writer) (*minioProc, error) {
	bin, err := miniotest.Build(ctx, log)
	if err != nil {
		return nil, err
	}
	api, err := freeAddr()
	if err != nil {
		return nil, err
	}
	console, err := freeAddr()
	if err != nil {
		return nil, err
	}
	m := &minioProc{Endpoint: api, AccessKey: "bench-" + randomHex(4), SecretKey: randomHex(20), Region: "us-east-1"}
	home := filepath.Join(dir, "minio-home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, fmt.Errorf("suite: MinIO home: %w", err)
	}
	args := []string{"server", "--address", api, "--console-address", console, filepath.Join(dir, "minio-data")}
	env := []string{
		"MINIO_ROOT_USER=" + m.AccessKey, "MINIO_ROOT_PASSWORD=" + m.SecretKey,
		"MINIO_UPDATE=off", "MINIO_BROWSER=off", "MINIO_CALLHOME_ENABLE=off", "MINIO_CI_CD=1", "HOME=" + home,
	}
	m.bin, m.args, m.env, m.logPath = bin, args, env, filepath.Join(dir, "minio.log")
	if err := m.restart(ctx); err != nil {
		return nil, err
	}
	m.Client, err = minio.New(api, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, ""), Region: m.Region})
	if err != nil {
		m.stop(stopGrace)
		return nil, fmt.Errorf("suite: MinIO client: %w", err)
	}
	return m, nil
}

// restart starts the server (again) and waits until it is ready.
func (m *minioProc) restart(ctx context.Context) error {
	m.stop(stopGrace)
	c, err := startChild("minio", m.bin, m.args, m.env, m.logPath)
	if err != nil {
		return err
	}
	m.child = c
	if err := m.waitReady(ctx); err != nil {
		m.stop(stopGrace)
		return err
	}
	return nil
}

// stop ends the server, if it runs, and waits for it.
func (m *minioProc) stop(grace time.Duration) {
	if m.child != nil {
		m.child.stop(grace)
	}
}

// waitReady polls the health endpoint until the server is ready.
func (m *minioProc) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	url := "http://" + m.Endpoint + "/minio/health/ready"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("suite: MinIO health request: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-m.done:
			return fmt.Errorf("suite: MinIO exited before it was ready (%v): %s", m.err, m.logTail())
		case <-ctx.Done():
			return fmt.Errorf("suite: MinIO not ready: %w: %s", ctx.Err(), m.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// makeBucket creates bucket.
func (m *minioProc) makeBucket(ctx context.Context, bucket string) error {
	if err := m.Client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: m.Region}); err != nil {
		return fmt.Errorf("suite: create bucket %s: %w", bucket, err)
	}
	return nil
}

// objectStoreURL is the --object-store value of a broker that tiers to
// bucket/prefix on this server; the credentials go in its environment.
func (m *minioProc) objectStoreURL(bucket, prefix string) string {
	return fmt.Sprintf("minio://%s/%s/%s?secure=false&region=%s", m.Endpoint, bucket, prefix, m.Region)
}

// credentialEnv is the environment that gives a broker the credentials.
func (m *minioProc) credentialEnv() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + m.AccessKey, "AWS_SECRET_ACCESS_KEY=" + m.SecretKey}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
