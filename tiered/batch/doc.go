// Package batch owns the Kafka record batch, format version 2 ("magic 2"):
// the unit that producers send, that Strata stores byte for byte in its
// segments and objects, and that consumers receive.
//
// # Layout
//
// All integers are big-endian. A batch is a 61-byte header followed by its
// records section:
//
//	offset size field
//	     0    8 baseOffset            assigned by the broker on append
//	     8    4 batchLength           bytes that follow this field (size-12)
//	    12    4 partitionLeaderEpoch  set by the broker on append
//	    16    1 magic                 always 2
//	    17    4 crc                   CRC-32C (Castagnoli) of bytes 21..end
//	    21    2 attributes            bits 0-2 codec, 3 timestamp type,
//	                                  4 transactional, 5 control
//	    23    4 lastOffsetDelta
//	    27    8 baseTimestamp
//	    35    8 maxTimestamp
//	    43    8 producerId
//	    51    2 producerEpoch
//	    53    4 baseSequence
//	    57    4 recordCount
//	    61    - records (compressed as a whole when the codec is not none)
//
// Because the CRC starts at the attributes, the broker may rewrite the base
// offset and the partition leader epoch without recomputing it. Setting
// LogAppendTime rewrites the attributes and maxTimestamp and so recomputes
// the CRC.
//
// Each record in the (decompressed) records section is a varint length
// followed by that many bytes: attributes (int8), timestampDelta (varlong),
// offsetDelta (varint), key and value (varint length, -1 for null, then
// bytes) and headers (varint count, each a varint-length key and value).
//
// The package validates batches (Validate, CheckCompressed), rewrites the
// fields the broker owns (SetBaseOffset, SetPartitionLeaderEpoch,
// SetLogAppendTime), walks a buffer of concatenated batches (Iter),
// compresses and decompresses records sections with a cap on the
// decompressed size, reads records (Records) and finds them by timestamp
// (OffsetForTimestamp), and encodes the uncompressed batches Strata writes
// itself (Encode), such as the group coordinator's records.
//
// It is a leaf: it imports no other Strata package.
package batch
