package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// loadGen runs `strata bench` subcommands and decodes their JSON reports.
type loadGen struct {
	strata  string
	timeout time.Duration // bounds one run
	log     io.Writer     // gets what a run prints to stderr: a produce run's intervals
}

// produceResult is what `strata bench produce --output json` reports.
type produceResult struct {
	Records          int64   `json:"records"`
	Failed           int64   `json:"failed"`
	Bytes            int64   `json:"bytes"`
	ElapsedSeconds   float64 `json:"elapsed_seconds"`
	RecordsPerSecond float64 `json:"records_per_second"`
	MBPerSecond      float64 `json:"mb_per_second"`
	Batches          int64   `json:"batches"`
	AvgBatchBytes    float64 `json:"avg_batch_bytes"`
	LatencyMs        struct {
		P50  float64 `json:"p50"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p99_9"`
		Max  float64 `json:"max"`
	} `json:"latency_ms"`
}

// consumeResult is what `strata bench consume --output json` reports.
type consumeResult struct {
	Records          int64   `json:"records"`
	Bytes            int64   `json:"bytes"`
	ElapsedSeconds   float64 `json:"elapsed_seconds"`
	FirstRecordMs    float64 `json:"first_record_ms"`
	RecordsPerSecond float64 `json:"records_per_second"`
	MBPerSecond      float64 `json:"mb_per_second"`
	// Mode is what the run counted: modeRecords or modeBatches.
	Mode string `json:"mode"`
	// CPU is the user and system time of the consumer process.
	CPU time.Duration `json:"-"`
}

// fetchPartitionBytes is what every consume run fetches per partition at
// most (max.partition.fetch.bytes), as a tuned replaying consumer would.
const fetchPartitionBytes = 16 << 20

// The modes of `strata bench consume`: a franz-go consumer decoding every
// record, or a Fetch-level reader counting record batches as served
// (CRC-checked, not decoded; its bytes are whole record batches).
const (
	modeRecords = "records"
	modeBatches = "batches"
)

func (g loadGen) produce(ctx context.Context, addr string, args ...string) (produceResult, error) {
	var r produceResult
	_, err := g.run(ctx, "produce", addr, args, &r)
	if err == nil && (r.Failed > 0 || r.Records == 0) {
		err = fmt.Errorf("suite: produce acknowledged %d records, %d failed", r.Records, r.Failed)
	}
	return r, err
}

// consume runs `strata bench consume --mode mode`. Every consume scenario,
// Strata's and kfake's alike, fetches up to 16 MiB per partition, as a
// replaying consumer would be tuned (max.partition.fetch.bytes): with the
// 1 MiB default the round trips, not the broker, bound a single partition.
func (g loadGen) consume(ctx context.Context, addr, mode string, args ...string) (consumeResult, error) {
	var r consumeResult
	args = append([]string{"--mode", mode, "--fetch-max-partition-bytes", strconv.Itoa(fetchPartitionBytes),
		"--fetch-max-bytes", strconv.Itoa(4 * fetchPartitionBytes)}, args...)
	cpu, err := g.run(ctx, "consume", addr, args, &r)
	r.CPU = cpu
	switch {
	case err != nil:
	case r.Mode != mode:
		err = fmt.Errorf("suite: consume --mode %s reported mode %q", mode, r.Mode)
	case r.Records == 0:
		err = fmt.Errorf("suite: consume read no records")
	}
	return r, err
}

// run runs `strata bench sub` against addr and decodes its report into out.
// It returns the process's CPU time.
func (g loadGen) run(ctx context.Context, sub, addr string, args []string, out any) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	full := append([]string{"bench", sub, "--bootstrap-server", addr, "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, g.strata, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("suite: strata %s: %w: %s", strings.Join(full[:2], " "), err, strings.TrimSpace(stderr.String()))
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if g.log != nil && stderr.Len() > 0 {
		fmt.Fprintf(g.log, "strata %s:\n%s", strings.Join(full[:2], " "), stderr.Bytes())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return cpu, fmt.Errorf("suite: decode the report of strata bench %s: %w", sub, err)
	}
	return cpu, nil
}
