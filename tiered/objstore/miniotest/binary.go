package miniotest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

const (
	// Module is the MinIO server's Go module.
	Module = "github.com/minio/minio"
	// Version is the pinned server version the tests run.
	Version = "v0.0.0-20260212201848-7aac2a2c5b7c"
	// BinaryEnv names the environment variable that, when set, gives the
	// path of a MinIO server binary to use instead of the cached build.
	BinaryEnv = "STRATA_MINIO_BIN"
)

// BinaryPath returns where the server binary is, or will be once built.
func BinaryPath() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("miniotest: locate the cache directory: %w", err)
	}
	return filepath.Join(cache, "strata", "minio-"+Version, "minio"), nil
}

// Build returns the path of the server binary, building it first when it is
// missing. Progress of a build goes to log. Builds in concurrent processes
// are serialised by a lock file beside the binary, so only one runs.
func Build(ctx context.Context, log io.Writer) (string, error) {
	path, err := BinaryPath()
	if err != nil {
		return "", err
	}
	if isExecutable(path) {
		return path, nil
	}
	if os.Getenv(BinaryEnv) != "" {
		return "", fmt.Errorf("miniotest: $%s=%s is not an executable file", BinaryEnv, path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("miniotest: create cache directory: %w", err)
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", fmt.Errorf("miniotest: lock the build: %w", err)
	}
	defer unlock()
	if isExecutable(path) {
		return path, nil // built by another process while we waited
	}
	if err := install(ctx, dir, path, log); err != nil {
		return "", err
	}
	return path, nil
}

// install runs `go install Module@Version` into a fresh directory under dir
// and renames the binary to path, so path never holds a partial file.
func install(ctx context.Context, dir, path string, log io.Writer) error {
	gobin, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return fmt.Errorf("miniotest: create build directory: %w", err)
	}
	defer os.RemoveAll(gobin)
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("miniotest: find the go command: %w", err)
	}
	fmt.Fprintf(log, "miniotest: building %s@%s into %s (a few minutes, once)\n", Module, Version, dir)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, goTool, "install", Module+"@"+Version)
	cmd.Dir = dir // outside any module, so no go.mod or go.work applies
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0", "GOWORK=off")
	cmd.Stdout = io.MultiWriter(log, &out)
	cmd.Stderr = io.MultiWriter(log, &out)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("miniotest: go install %s@%s: %w\n%s", Module, Version, err, tail(out.Bytes(), 4096))
	}
	if err := os.Rename(filepath.Join(gobin, "minio"), path); err != nil {
		return fmt.Errorf("miniotest: install the built binary: %w", err)
	}
	return nil
}

var built struct {
	once sync.Once
	path string
	err  error
}

// buildOnce builds at most once per process; a failure is not retried.
func buildOnce(log io.Writer) (string, error) {
	built.once.Do(func() {
		built.path, built.err = Build(context.Background(), log)
	})
	return built.path, built.err
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// tail returns the last n bytes of b, as a string.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
