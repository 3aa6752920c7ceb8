package controller

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// String returns the id the way Kafka prints a Uuid: 22 characters of
// unpadded URL-safe base64.
func (id TopicID) String() string {
	return base64.RawURLEncoding.EncodeToString(id[:])
}

// MarshalText encodes the id as String does.
func (id TopicID) MarshalText() ([]byte, error) {
	return []byte(id.String()), nil
}

// UnmarshalText decodes the form String returns.
func (id *TopicID) UnmarshalText(text []byte) error {
	parsed, err := ParseTopicID(string(text))
	if err != nil {
		return err
	}
	*id = parsed
	return nil
}

// ParseTopicID parses the form String returns.
func ParseTopicID(s string) (TopicID, error) {
	var id TopicID
	if base64.RawURLEncoding.DecodedLen(len(s)) != len(id) {
		return id, fmt.Errorf("%w: topic id %q is not 22 base64 characters", ErrInvalidRequest, s)
	}
	if _, err := base64.RawURLEncoding.Decode(id[:], []byte(s)); err != nil {
		return TopicID{}, fmt.Errorf("%w: topic id %q: %w", ErrInvalidRequest, s, err)
	}
	return id, nil
}

// newTopicID returns a random version 4 UUID. Its version bits make it
// never the zero id (nor the id Kafka reserves for its metadata topic, 0…01),
// and like Kafka it draws again for an id whose text starts with '-', which
// would read as a command-line flag.
func newTopicID() TopicID {
	for {
		var id TopicID
		_, _ = rand.Read(id[:]) // never fails; it crashes the program first
		id[6] = id[6]&0x0f | 0x40
		id[8] = id[8]&0x3f | 0x80
		if id.String()[0] != '-' {
			return id
		}
	}
}

// newClusterID returns a random cluster id in Kafka's form: a random UUID
// printed as 22 base64 characters.
func newClusterID() string {
	return newTopicID().String()
}
