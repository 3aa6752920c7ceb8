package handler

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func initPIDRequest(version int16, txn *string, pid int64, epoch int16) *kmsg.InitProducerIDRequest {
	r := kmsg.NewPtrInitProducerIDRequest()
	r.Version, r.TransactionalID, r.ProducerID, r.ProducerEpoch = version, txn, pid, epoch
	return r
}

func TestInitProducerIDAllocatesInBlocks(t *testing.T) {
	s := newDataServer(t)
	seen := map[int64]bool{}
	for i := range 2*producerIDBlockSize + 3 {
		resp := mustDataServe[*kmsg.InitProducerIDResponse](t, s, initPIDRequest(int16(i%6), nil, -1, -1))
		if resp.ErrorCode != 0 || resp.ProducerEpoch != 0 || seen[resp.ProducerID] || resp.ProducerID < 5000 {
			t.Fatalf("request %d: %+v", i, resp)
		}
		seen[resp.ProducerID] = true
	}
	if n := s.cluster.mu.allocs; n != 3 {
		t.Fatalf("%d allocations for %d ids", n, len(seen))
	}
	// KIP-360: a producer recovering with its id and epoch gets a new id.
	resp := mustDataServe[*kmsg.InitProducerIDResponse](t, s, initPIDRequest(3, nil, 5000, 7))
	if resp.ErrorCode != 0 || seen[resp.ProducerID] || resp.ProducerEpoch != 0 {
		t.Fatalf("epoch bump: %+v", resp)
	}
}

func TestInitProducerIDErrors(t *testing.T) {
	s := newDataServer(t)
	txn := "tx-1"
	if resp := mustDataServe[*kmsg.InitProducerIDResponse](t, s, initPIDRequest(4, &txn, -1, -1)); resp.ErrorCode != kerr.TransactionalIDAuthorizationFailed.Code || resp.ProducerID != -1 {
		t.Fatalf("transactional: %+v", resp)
	}
	if resp := mustDataServe[*kmsg.InitProducerIDResponse](t, s, initPIDRequest(3, nil, 12, -1)); resp.ErrorCode != kerr.InvalidRequest.Code {
		t.Fatalf("id without epoch: %+v", resp)
	}
	s.cluster.mu.err = errAllocate
	if resp := mustDataServe[*kmsg.InitProducerIDResponse](t, s, initPIDRequest(2, nil, -1, -1)); resp.ErrorCode != kerr.CoordinatorNotAvailable.Code {
		t.Fatalf("allocation failure: %+v", resp)
	}
}
