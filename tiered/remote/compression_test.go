package remote

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestWorthTrying(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte(`{"user":"u-1","event":"click","page":"/home"} `), (4<<20)/46+1)[:4<<20]
	halves := append(append([]byte(nil), random[:2<<20]...), text[:2<<20]...)
	for _, tc := range []struct {
		name string
		raw  []byte
		want bool
	}{
		{"random", random, false},
		{"text", text, true},
		{"random then text", halves, true}, // two of the three samples compress
		{"small random", random[:100<<10], true},
	} {
		if got := worthTrying(tc.raw); got != tc.want {
			t.Errorf("%s: worthTrying = %v, want %v", tc.name, got, tc.want)
		}
	}
}
