package controller

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCheckTopicName(t *testing.T) {
	tests := []struct {
		name string
		msg  string // "" when legal
	}{
		{"orders", ""},
		{"Orders.v2_eu-west-1", ""},
		{"__consumer_offsets", ""},
		{strings.Repeat("a", 249), ""},
		{"...", ""},
		{"", "it can't be empty"},
		{".", `cannot be "." or ".."`},
		{"..", `cannot be "." or ".."`},
		{strings.Repeat("a", 250), "can't be longer than 249 characters"},
		{"a b", "contains a character other than ASCII alphanumerics"},
		{"a/b", "contains a character other than ASCII alphanumerics"},
		{"é", "contains a character other than ASCII alphanumerics"},
		{"a\x00", "contains a character other than ASCII alphanumerics"},
		{"a:b", "contains a character other than ASCII alphanumerics"},
	}
	for _, tc := range tests {
		err := checkTopicName(tc.name)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%q: %v, want legal", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidTopic) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: %v, want ErrInvalidTopic with %q", tc.name, err, tc.msg)
		}
	}
}

func TestCheckNewTopicCollisions(t *testing.T) {
	img := applyAll(t, threeBrokers(t),
		&createTopic{Name: "a.b_c", ID: idOf(1), Replicas: [][]int32{{1}}},
	)
	for _, name := range []string{"a_b_c", "a.b.c", "a_b.c"} {
		err := checkNewTopic(img, name)
		if !errors.Is(err, ErrInvalidTopic) || !strings.Contains(err.Error(), "collides with existing topic: a.b_c") {
			t.Errorf("%s: %v, want a collision", name, err)
		}
	}
	if err := checkNewTopic(img, "a.b_c"); !errors.Is(err, ErrTopicExists) {
		t.Errorf("same name: %v, want ErrTopicExists", err)
	}
	if err := checkNewTopic(img, "a-b-c"); err != nil {
		t.Errorf("'-' never collides: %v", err)
	}
}

func TestCheckReplicationFactor(t *testing.T) {
	err := checkReplicationFactor(3, 1)
	if !errors.Is(err, ErrInvalidReplicationFactor) ||
		!strings.HasSuffix(err.Error(), "replication factor: 3 larger than available brokers: 1") {
		t.Errorf("3 of 1: %v", err)
	}
	if err := checkReplicationFactor(0, 1); !errors.Is(err, ErrInvalidReplicationFactor) {
		t.Errorf("0: %v", err)
	}
	if err := checkReplicationFactor(-1, 1); !errors.Is(err, ErrInvalidReplicationFactor) {
		t.Errorf("-1: %v", err)
	}
	if err := checkReplicationFactor(3, 3); err != nil {
		t.Errorf("3 of 3: %v", err)
	}
}

func TestPlaceReplicas(t *testing.T) {
	brokers := []int32{1, 2, 3, 5}
	got := placeReplicas(brokers, 0, 8, 3, 1, 0)
	want := [][]int32{
		{2, 3, 5}, {3, 5, 1}, {5, 1, 2}, {1, 2, 3}, // shift 0: followers right after the leader
		{2, 5, 1}, {3, 1, 2}, {5, 2, 3}, {1, 3, 5}, // shift 1 from partition 4 on
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("placement = %v, want %v", got, want)
	}
}

func TestPlaceReplicasProperties(t *testing.T) {
	brokers := []int32{10, 20, 30, 40, 50}
	for rf := 1; rf <= len(brokers); rf++ {
		for start := range brokers {
			for shift := range brokers {
				got := placeReplicas(brokers, 0, 20, rf, start, shift)
				leaders := map[int32]int{}
				for p, rs := range got {
					if len(rs) != rf {
						t.Fatalf("rf %d: partition %d has %v", rf, p, rs)
					}
					if rs[0] != brokers[(start+p)%len(brokers)] {
						t.Fatalf("partition %d leads on %d, want round robin", p, rs[0])
					}
					sorted := slices.Sorted(slices.Values(rs))
					if len(slices.Compact(sorted)) != rf {
						t.Fatalf("partition %d repeats a broker: %v", p, rs)
					}
					leaders[rs[0]]++
				}
				for b, n := range leaders {
					if n != 4 {
						t.Fatalf("broker %d leads %d of 20 partitions, want 4", b, n)
					}
				}
				// Growing the topic continues the same placement.
				head := placeReplicas(brokers, 0, 7, rf, start, shift)
				tail := placeReplicas(brokers, 7, 13, rf, start, shift)
				if !reflect.DeepEqual(append(head, tail...), got) {
					t.Fatalf("rf %d start %d: placing 7 then 13 differs from 20 at once", rf, start)
				}
			}
		}
	}
}

func TestTopicIDText(t *testing.T) {
	for range 100 {
		id := newTopicID()
		if id.IsZero() || id[6]>>4 != 4 || id[8]>>6 != 2 {
			t.Fatalf("%x is not a version 4 UUID", id)
		}
		s := id.String()
		if len(s) != 22 || s[0] == '-' {
			t.Fatalf("id text %q", s)
		}
		back, err := ParseTopicID(s)
		if err != nil || back != id {
			t.Fatalf("ParseTopicID(%q) = %x, %v", s, back, err)
		}
	}
	// Kafka prints the id 00000000-0000-0000-0000-000000000001 so.
	if got := (TopicID{15: 1}).String(); got != "AAAAAAAAAAAAAAAAAAAAAQ" {
		t.Errorf("String = %q", got)
	}
	for _, bad := range []string{"", "AAAA", "AAAAAAAAAAAAAAAAAAAAA!", "AAAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := ParseTopicID(bad); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("ParseTopicID(%q) = %v", bad, err)
		}
	}
}
