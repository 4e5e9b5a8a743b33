package embedded

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// getVersioned reads a state or private value from r: its version and a copy
// of its value, or the zero Version and nil when absent.
func getVersioned(r pebble.Reader, key []byte) (Version, []byte, error) {
	raw, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return Version{}, nil, nil
	}
	if err != nil {
		return Version{}, nil, fmt.Errorf("get %q: %w", key, err)
	}
	defer closer.Close()
	v, val, err := splitVersioned(raw)
	if err != nil {
		return Version{}, nil, fmt.Errorf("get %q: %w", key, err)
	}
	return v, bytes.Clone(val), nil
}

// getVersion reads only the version of a stored value.
func getVersion(r pebble.Reader, key []byte) (Version, error) {
	raw, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return Version{}, nil
	}
	if err != nil {
		return Version{}, fmt.Errorf("get %q: %w", key, err)
	}
	defer closer.Close()
	v, _, err := splitVersioned(raw)
	if err != nil {
		return Version{}, fmt.Errorf("get %q: %w", key, err)
	}
	return v, nil
}

// stateBounds returns the store key range of state keys in [start, end); an
// empty end means to the end of the state.
func stateBounds(start, end string) ([]byte, []byte) {
	lo := stateKey(start)
	if end == "" {
		return lo, []byte{spaceState + 1}
	}
	return lo, stateKey(end)
}
