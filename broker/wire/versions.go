package wire

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Versions is the ApiVersions table: the API keys Strata serves and the range
// of versions of each. The wire layer enforces it: a request for a key or
// version outside it closes the connection, except ApiVersions (see the
// package documentation). The zero Versions serves nothing. A Versions is
// immutable and safe for concurrent use.
type Versions struct {
	byKey []versionRange // indexed by api key
}

type versionRange struct {
	min, max int16
	ok       bool
}

// NewVersions builds a table from the ranges the broker serves. Each key must
// be one kmsg knows, listed once, with 0 <= MinVersion <= MaxVersion <= the
// highest version kmsg decodes. ApiVersions must be listed from version 0,
// since a client that knows nothing of the broker starts there.
func NewVersions(keys ...kmsg.ApiVersionsResponseApiKey) (Versions, error) {
	var v Versions
	for _, k := range keys {
		if err := v.add(k); err != nil {
			return Versions{}, fmt.Errorf("%w: versions: %w", ErrConfig, err)
		}
	}
	if minVersion, _, ok := v.Lookup(apiVersionsKey); !ok || minVersion != 0 {
		return Versions{}, fmt.Errorf("%w: versions: ApiVersions must be served from version 0", ErrConfig)
	}
	return v, nil
}

// add checks one range and adds it to the table.
func (v *Versions) add(k kmsg.ApiVersionsResponseApiKey) error {
	req := kmsg.RequestForKey(k.ApiKey)
	if req == nil {
		return fmt.Errorf("unknown api key %d", k.ApiKey)
	}
	name := kmsg.NameForKey(k.ApiKey)
	if k.MinVersion < 0 || k.MinVersion > k.MaxVersion || k.MaxVersion > req.MaxVersion() {
		return fmt.Errorf("%s: range %d-%d outside 0-%d", name, k.MinVersion, k.MaxVersion, req.MaxVersion())
	}
	if _, _, ok := v.Lookup(k.ApiKey); ok {
		return fmt.Errorf("%s listed twice", name)
	}
	if int(k.ApiKey) >= len(v.byKey) {
		v.byKey = append(v.byKey, make([]versionRange, int(k.ApiKey)+1-len(v.byKey))...)
	}
	v.byKey[k.ApiKey] = versionRange{min: k.MinVersion, max: k.MaxVersion, ok: true}
	return nil
}

// Lookup returns the range of versions served for key, and whether the key
// is served at all.
func (v Versions) Lookup(key int16) (minVersion, maxVersion int16, ok bool) {
	if key < 0 || int(key) >= len(v.byKey) {
		return 0, 0, false
	}
	r := v.byKey[key]
	return r.min, r.max, r.ok
}

// Supports reports whether version of key is served.
func (v Versions) Supports(key, version int16) bool {
	minVersion, maxVersion, ok := v.Lookup(key)
	return ok && version >= minVersion && version <= maxVersion
}

// ApiKeys returns the table as an ApiVersions response lists it, in key
// order. The slice is the caller's.
func (v Versions) ApiKeys() []kmsg.ApiVersionsResponseApiKey {
	var keys []kmsg.ApiVersionsResponseApiKey
	for key, r := range v.byKey {
		if !r.ok {
			continue
		}
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey, k.MinVersion, k.MaxVersion = int16(key), r.min, r.max
		keys = append(keys, k)
	}
	return keys
}
