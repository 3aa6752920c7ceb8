package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// ErrConfig is the class of invalid suite settings.
var ErrConfig = errors.New("suite: invalid config")

// Config sizes the suite. The defaults keep a whole run under 15 minutes
// on two cores.
type Config struct {
	Strata  string // the strata binary under test
	Out     string // where reports are written
	WorkDir string // parent of the run's temporary directory ("": the system's)

	RecordSize      int           // bytes per record value
	ProduceMiB      int           // data per produce scenario
	LatencyDuration time.Duration // length of the half-load latency run
	ColdMiB         int           // data of the cold-replay topic
	SegmentBytes    int           // segment.bytes of the cold topic (Kafka's default is 1 GiB)
	LocalRetention  int           // local.retention.bytes of the cold topic
	RangeBytes      int64         // ranged GET size of the raw baseline
	GetParallel     int           // concurrent ranged GETs of the raw baseline
	RunTimeout      time.Duration // bounds each produce or consume run
	TrimTimeout     time.Duration // bounds the wait for uploads and trimming

	// Runs is how many times the scenarios run; the report gives each
	// scenario's median run.
	Runs int

	// BrokerArgs are added to every `strata serve` the suite starts, to
	// profile it (--pprof --admin-listen 127.0.0.1:PORT) or try a setting
	// (--override name=value).
	BrokerArgs []string

	SkipHot    bool // also skips kfake, whose rows compare with the hot runs
	SkipKfake  bool
	SkipTiered bool
}

// DefaultConfig is the configuration `make bench` runs.
func DefaultConfig() Config {
	return Config{
		Strata: "bin/strata", Out: "bench/results",
		RecordSize: 1024, ProduceMiB: 1024, LatencyDuration: 15 * time.Second,
		ColdMiB: 256, SegmentBytes: 16 << 20, LocalRetention: 1 << 20,
		RangeBytes: 4 << 20, GetParallel: 4,
		RunTimeout: 3 * time.Minute, TrimTimeout: 3 * time.Minute,
		Runs: 3,
	}
}

// RegisterFlags binds the config to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Strata, "strata", c.Strata, "strata binary under test")
	fs.StringVar(&c.Out, "out", c.Out, "directory of the reports")
	fs.StringVar(&c.WorkDir, "work-dir", c.WorkDir, "parent of the run's temporary data directory (default: the system's)")
	fs.IntVar(&c.RecordSize, "record-size", c.RecordSize, "bytes per record")
	fs.IntVar(&c.ProduceMiB, "produce-mib", c.ProduceMiB, "MiB produced by each throughput scenario")
	fs.DurationVar(&c.LatencyDuration, "latency-duration", c.LatencyDuration, "length of the half-load latency run")
	fs.IntVar(&c.ColdMiB, "cold-mib", c.ColdMiB, "MiB of the cold-replay topic")
	fs.IntVar(&c.SegmentBytes, "segment-bytes", c.SegmentBytes, "segment.bytes of the cold-replay topic")
	fs.IntVar(&c.LocalRetention, "local-retention-bytes", c.LocalRetention, "local.retention.bytes of the cold-replay topic")
	fs.Int64Var(&c.RangeBytes, "range-bytes", c.RangeBytes, "bytes per ranged GET of the raw baseline")
	fs.IntVar(&c.GetParallel, "get-parallel", c.GetParallel, "concurrent ranged GETs of the raw baseline")
	fs.DurationVar(&c.RunTimeout, "run-timeout", c.RunTimeout, "bound of each produce or consume run")
	fs.DurationVar(&c.TrimTimeout, "trim-timeout", c.TrimTimeout, "bound of the wait for uploads and local trimming")
	fs.IntVar(&c.Runs, "runs", c.Runs, "times to run the scenarios; each row is the median run")
	fs.Func("broker-arg", "an argument added to every `strata serve` the suite starts (repeatable)", func(v string) error {
		c.BrokerArgs = append(c.BrokerArgs, v)
		return nil
	})
	fs.BoolVar(&c.SkipHot, "skip-hot", c.SkipHot, "skip the hot-tier scenarios and the kfake comparisons")
	fs.BoolVar(&c.SkipKfake, "skip-kfake", c.SkipKfake, "skip the kfake comparisons")
	fs.BoolVar(&c.SkipTiered, "skip-tiered", c.SkipTiered, "skip the MinIO scenarios (cold replay, upload)")
}

// Validate checks the sizes and bounds.
func (c *Config) Validate() error {
	switch {
	case c.Strata == "" || c.Out == "":
		return fmt.Errorf("%w: -strata and -out must be set", ErrConfig)
	case c.RecordSize <= 0 || c.RecordSize > 1<<20:
		return fmt.Errorf("%w: -record-size %d: want 1 to 1048576", ErrConfig, c.RecordSize)
	case c.ProduceMiB <= 0 || c.ColdMiB <= 0:
		return fmt.Errorf("%w: -produce-mib and -cold-mib must be positive", ErrConfig)
	case c.LatencyDuration <= 0 || c.RunTimeout <= 0 || c.TrimTimeout <= 0:
		return fmt.Errorf("%w: durations must be positive", ErrConfig)
	case c.SegmentBytes < 1<<14 || c.LocalRetention <= 0:
		return fmt.Errorf("%w: -segment-bytes must be at least 16384 and -local-retention-bytes positive", ErrConfig)
	case int64(c.ColdMiB)<<20 <= c.maxLocalBytes():
		return fmt.Errorf("%w: -cold-mib %d leaves nothing only in the object store: want more than %d MiB, or a smaller -segment-bytes",
			ErrConfig, c.ColdMiB, c.maxLocalBytes()>>20)
	case c.Runs < 1:
		return fmt.Errorf("%w: -runs %d: want at least 1", ErrConfig, c.Runs)
	case c.RangeBytes <= 0 || c.GetParallel <= 0:
		return fmt.Errorf("%w: -range-bytes and -get-parallel must be positive", ErrConfig)
	}
	return nil
}

// maxLocalBytes is the most of the cold topic the hot tier may keep once
// trimmed: the local retention, the active segment and one closed segment
// not yet deleted. The cold topic must be larger.
func (c *Config) maxLocalBytes() int64 { return int64(c.LocalRetention) + 2*int64(c.SegmentBytes) }

// records is how many records make mib MiB.
func (c *Config) records(mib int) int64 { return max(1, int64(mib)<<20/int64(c.RecordSize)) }

func main() {
	cfg := DefaultConfig()
	cfg.RegisterFlags(flag.CommandLine)
	flag.Parse()
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, cfg, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs every scenario, writes the report and returns the exit code:
// 0, or 1 when a scenario failed or the report could not be written.
func run(ctx context.Context, cfg Config, stdout, log io.Writer) int {
	dir, err := os.MkdirTemp(cfg.WorkDir, "strata-bench-")
	if err != nil {
		fmt.Fprintf(log, "suite: create work directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	meta := Meta{Started: time.Now(), CPUs: runtime.NumCPU(), Go: runtime.Version(), Strata: strataVersion(cfg.Strata)}
	meta.Host, _ = os.Hostname()
	meta.Settings = cfg.summary()
	var runs [][]Row
	for i := range cfg.Runs {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(log, "suite: run %d of %d\n", i+1, cfg.Runs)
		rows, err := runOnce(ctx, cfg, filepath.Join(dir, fmt.Sprintf("run-%d", i+1)), log)
		if err != nil {
			fmt.Fprintln(log, err)
			return 1
		}
		runs = append(runs, rows)
	}
	rows := mergeRuns(runs)
	meta.Elapsed = time.Since(meta.Started)
	path, err := saveReport(cfg.Out, meta, rows)
	if err != nil {
		fmt.Fprintln(log, err)
		return 1
	}
	_ = writeMarkdown(stdout, meta, rows)
	fmt.Fprintf(log, "suite: report written to %s and %s\n", path, filepath.Join(cfg.Out, "latest.md"))
	for _, r := range rows {
		if r.Err != nil {
			return 1
		}
	}
	return 0
}

// runOnce runs every scenario once with its data under dir.
func runOnce(ctx context.Context, cfg Config, dir string, log io.Writer) ([]Row, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("suite: create run directory: %w", err)
	}
	defer os.RemoveAll(dir) // each run starts with the disk as empty as the first
	s := &suite{cfg: cfg, dir: dir, log: log, gen: loadGen{strata: cfg.Strata, timeout: cfg.RunTimeout, log: log}}
	s.runAll(ctx)
	return s.rows, nil
}

// summary describes the settings for the report's header.
func (c *Config) summary() string {
	return fmt.Sprintf("%d run(s), each row the median run; %d-byte records, %d MiB per produce run (a broker without tiered storage), "+
		"%v latency run at half the peak sustained as long, %d MiB cold topic "+
		"(segment.bytes %d, local.retention.bytes %d), raw GETs of %d MiB × %d",
		c.Runs, c.RecordSize, c.ProduceMiB, c.LatencyDuration, c.ColdMiB, c.SegmentBytes, c.LocalRetention,
		c.RangeBytes>>20, c.GetParallel)
}

// strataVersion is the first line of `strata version`.
func strataVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
