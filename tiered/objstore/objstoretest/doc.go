// Package objstoretest is the acceptance suite every objstore.Bucket
// implementation passes: the executable form of the Bucket contract. It
// covers round trips of empty, small and multi-MiB objects, overwrites,
// ranged reads inside and past the end, missing keys, idempotent deletes,
// listings across pages, by prefix and in byte-wise order, awkward and
// invalid keys, concurrent use, failed and mis-sized puts, and contexts
// canceled before and during each operation.
package objstoretest
