package main

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
)

// runKfake repeats the hot produce and consume workloads (the consume in
// records mode: this comparison is of one client against two servers) against franz-go's
// in-memory fake cluster, in this process, and reports Strata's figures
// with kfake's as the baseline. kfake keeps records in memory and never
// syncs, so it is the Kafka-protocol peer without a disk.
func (s *suite) runKfake(ctx context.Context, hot hotRun) {
	s.logf("starting kfake")
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		s.add(failedRow("kfake comparisons", fmt.Errorf("suite: start kfake: %w", err)))
		return
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	for _, n := range []int{1, 8} {
		strata := hot.produce1
		if n == 8 {
			strata = hot.produce8
		}
		name := fmt.Sprintf("produce acks=all, %d partition(s): Strata vs kfake", n)
		s.logf("%s", name)
		k, err := s.gen.produce(ctx, addr, s.produceArgs(produceTopic(n), n, s.cfg.records(s.cfg.ProduceMiB))...)
		s.add(peerRow(name, strata.MBPerSecond, k.MBPerSecond, err, Target{Bound: 1.0}))
	}
	name := "hot consume, 1 partition, franz-go consumer: Strata vs kfake"
	s.logf("%s", name)
	k, err := s.gen.consume(ctx, addr, modeRecords, "--topic", produceTopic(1), "--from-beginning")
	row := peerRow(name, hot.consume.MBPerSecond, k.MBPerSecond, err, Target{})
	if row.Err == nil {
		row.Note = "the same client, decoding every record, against both"
	}
	s.add(row)
}

// peerRow compares a Strata figure with kfake's.
func peerRow(name string, strata, peer float64, err error, target Target) Row {
	if err != nil {
		return failedRow(name, err)
	}
	if strata == 0 {
		return failedRow(name, fmt.Errorf("no Strata figure: its run failed"))
	}
	return Row{
		Scenario: name, Figure: Value{strata, "MB/s"},
		Baseline: Value{peer, "MB/s"}, BaselineName: "kfake (in memory, no fsync)",
		Target: target,
	}
}
