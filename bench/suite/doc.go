// Command suite is Strata's end-to-end benchmark, run by `make bench`. It
// owns the scenarios, the raw baselines they are compared with, and the
// report in bench/results.
//
// It starts everything it measures as its own processes on 127.0.0.1 free
// ports, with data in a temporary directory: Strata brokers (bin/strata
// serve), a MinIO server (the pinned build of tiered/objstore/miniotest)
// and, in process, franz-go's kfake cluster as the Kafka-protocol peer. Load
// comes from `strata bench produce` and `strata bench consume` run as
// subprocesses with --output json.
//
// Every figure stands beside a baseline measured on the same machine in
// the same run, and the ratio of the two is the result: absolute numbers
// on a shared machine mean little. The baselines are small Go functions in
// this package: sequential write+fsync of the same bytes in the same batch
// sizes on the same disk, a loopback TCP copy, ranged GETs and PUTs of the
// same objects against the same MinIO. Before every measured write, the
// broker's and the raw baseline's alike, the suite writes and removes a
// scratch file of at least that size (warmPageCache), so that both write
// into page-cache pages the guest has touched before: on a virtual machine
// first-touched pages are several times slower. A raw baseline that the
// machine's drift could skew runs both before and after its scenario
// (produce, hot consume), and the baseline is the mean of the two.
//
// The hot-tier scenarios run on a broker without tiered storage: the
// default object store is a directory on the same disk, and its uploads
// would write that disk beside the produce runs and their baselines. The
// latency run paces at half the 1-partition peak that the broker sustains
// for the run's whole duration (measured closed loop just before), not
// half the 1 GiB burst, which mostly lands in the page cache. The hot
// broker's data is removed when it stops: left in the page cache, its
// gigabytes doubled the CPU that the cold replay after it cost the broker
// and MinIO (not the raw GETs).
//
// The scenarios run -runs times (3 by default), each run on an emptied
// work directory, and each row of the report is the scenario's median run
// (mergeRuns), its note listing every run's value: one run on a shared
// machine is too noisy to read alone.
//
// The report is a markdown table written to <out>/<date>.md (UTC) and to
// <out>/latest.md. A scenario that fails is a row saying why; the suite
// then exits 1, after writing the report.
package main
