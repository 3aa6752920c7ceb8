package wire

import (
	"context"
	"errors"
	"testing"
)

func TestBudget(t *testing.T) {
	ctx := context.Background()
	b := newBudget(100)
	if err := b.acquire(ctx, 150); err != nil || b.inUse() != 150 {
		t.Fatalf("oversize frame into an empty budget: %v, in use %d", err, b.inUse())
	}
	b.release(150)
	if err := b.acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	if b.tryAcquire(60) {
		t.Fatal("acquired past the limit")
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(ctx, 60) }()
	b.release(60)
	if err := <-got; err != nil || b.inUse() != 60 {
		t.Fatalf("acquire after release: %v, in use %d", err, b.inUse())
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { got <- b.acquire(cctx, 60) }()
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled acquire: err = %v", err)
	}
}
