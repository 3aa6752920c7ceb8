package wire

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		want int16
	}{
		{nil, 0},
		{kerr.NotLeaderForPartition, kerr.NotLeaderForPartition.Code},
		{fmt.Errorf("log: unknown topic: %w", kerr.UnknownTopicOrPartition), kerr.UnknownTopicOrPartition.Code},
		{fmt.Errorf("fetch: %w", context.DeadlineExceeded), kerr.RequestTimedOut.Code},
		{errors.New("disk on fire"), kerr.UnknownServerError.Code},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
