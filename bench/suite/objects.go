package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/strata-streaming/strata/internal/perf"
)

// object is a listed object's key and size.
type object struct {
	Key  string
	Size int64
}

// segmentSuffix ends the key of every remote segment object (see
// tiered/remote's key layout).
const segmentSuffix = ".seg"

// listSegments lists the segment objects under prefix.
func listSegments(ctx context.Context, mc *minio.Client, bucket, prefix string) ([]object, error) {
	var out []object
	for info := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if info.Err != nil {
			return nil, fmt.Errorf("suite: list %s/%s: %w", bucket, prefix, info.Err)
		}
		if strings.HasSuffix(info.Key, segmentSuffix) {
			out = append(out, object{Key: info.Key, Size: info.Size})
		}
	}
	return out, nil
}

func totalSize(objs []object) int64 {
	var n int64
	for _, o := range objs {
		n += o.Size
	}
	return n
}

// rangeJob is one ranged GET.
type rangeJob struct {
	key        string
	start, end int64 // inclusive, as HTTP ranges are
}

// rangesOf splits objects into ranges of at most size bytes.
func rangesOf(objs []object, size int64) []rangeJob {
	var jobs []rangeJob
	for _, o := range objs {
		for off := int64(0); off < o.Size; off += size {
			jobs = append(jobs, rangeJob{key: o.Key, start: off, end: min(off+size, o.Size) - 1})
		}
	}
	return jobs
}

// rawRangedGets reads every byte of objs with ranged GETs of rangeBytes,
// parallel at a time, and returns the rate over the bytes read.
func rawRangedGets(ctx context.Context, mc *minio.Client, bucket string, objs []object, rangeBytes int64, parallel int) (perf.Rate, error) {
	jobs := make(chan rangeJob)
	errs := make(chan error, parallel)
	var wg sync.WaitGroup
	start := time.Now()
	for range parallel {
		wg.Go(func() {
			for j := range jobs {
				if err := getRange(ctx, mc, bucket, j); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for _, j := range rangesOf(objs, rangeBytes) {
		select {
		case jobs <- j:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil && len(errs) > 0 {
		err = <-errs
	}
	if err != nil {
		return perf.Rate{}, err
	}
	return perf.Rate{Records: int64(len(objs)), Bytes: totalSize(objs), Elapsed: time.Since(start)}, nil
}

func getRange(ctx context.Context, mc *minio.Client, bucket string, j rangeJob) error {
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(j.start, j.end); err != nil {
		return fmt.Errorf("%w: range of %s: %w", ErrBaseline, j.key, err)
	}
	obj, err := mc.GetObject(ctx, bucket, j.key, opts)
	if err != nil {
		return fmt.Errorf("%w: get %s: %w", ErrBaseline, j.key, err)
	}
	defer obj.Close()
	n, err := io.Copy(io.Discard, obj)
	if err != nil || n != j.end-j.start+1 {
		return fmt.Errorf("%w: get %s [%d,%d]: read %d bytes: %v", ErrBaseline, j.key, j.start, j.end, n, err)
	}
	return nil
}

// rawPuts uploads one object of each size under prefix, one after the
// other as a partition's uploader does, and returns the rate.
func rawPuts(ctx context.Context, mc *minio.Client, bucket, prefix string, sizes []int64) (perf.Rate, error) {
	var biggest int64
	for _, s := range sizes {
		biggest = max(biggest, s)
	}
	payload := make([]byte, biggest)
	_, _ = rand.Read(payload)
	var total int64
	start := time.Now()
	for i, s := range sizes {
		key := fmt.Sprintf("%s%06d%s", prefix, i, segmentSuffix)
		if _, err := mc.PutObject(ctx, bucket, key, bytes.NewReader(payload[:s]), s, minio.PutObjectOptions{}); err != nil {
			return perf.Rate{}, fmt.Errorf("%w: put %s: %w", ErrBaseline, key, err)
		}
		total += s
	}
	return perf.Rate{Records: int64(len(sizes)), Bytes: total, Elapsed: time.Since(start)}, nil
}
