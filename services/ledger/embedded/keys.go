package embedded

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Keyspaces of the store. Every key starts with one byte naming its space.
const (
	spaceMeta    = 'm' // chain tip and other single records
	spaceBlock   = 'b' // b + block number (8, big endian) -> encoded block
	spaceState   = 's' // s + state key -> version + value
	spaceHistory = 'h' // h + escaped key + block (8) + tx (4) -> write index and delete flag
	spacePrivate = 'p' // p + escaped collection + key -> version + value
)

// tipKey holds the chain height and the hash of the last block.
var tipKey = []byte{spaceMeta, 't', 'i', 'p'}

// formatKey holds the storage format version (4 bytes, big endian), written
// with the genesis block. Stores without it were written by builds before
// format 2 (format 1: history records held a copy of each value).
var formatKey = []byte{spaceMeta, 'f', 'm', 't'}

// storeFormat is the storage format this build reads and writes. Format 2:
// history records are an index into the blocks (see history.go). Format 3:
// the same layout, with the DSCSA chaincode's state in its block-of-serials
// form (chaincode/blocks.go); a format 2 store holds serials the format 3
// chaincode would not find, so it is refused like any other format. Format
// 4: the same, with the DSCSA chaincode's holdings index (hold~ keys, see
// chaincode holdsStock), which a format 3 store lacks for the packages it
// holds: read by this chaincode, their holders would be refused
// class-level events.
const storeFormat = 4

// Version is where a value was last written: the block and the transaction's
// index in it. The zero Version means "absent" (block 0 is the genesis block,
// which writes nothing).
type Version struct {
	Block uint64
	Tx    uint32
}

const versionLen = 12

func (v Version) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, v.Block)
	return binary.BigEndian.AppendUint32(b, v.Tx)
}

func (v Version) String() string { return fmt.Sprintf("%d:%d", v.Block, v.Tx) }

// splitVersioned splits a stored state or private value into its version and
// value.
func splitVersioned(raw []byte) (Version, []byte, error) {
	if len(raw) < versionLen {
		return Version{}, nil, fmt.Errorf("versioned value of %d bytes", len(raw))
	}
	v := Version{Block: binary.BigEndian.Uint64(raw), Tx: binary.BigEndian.Uint32(raw[8:])}
	return v, raw[versionLen:], nil
}

func blockKey(n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{spaceBlock}, n)
}

func stateKey(key string) []byte {
	b := make([]byte, 0, 1+len(key))
	b = append(b, spaceState)
	return append(b, key...)
}

// appendEscaped appends s so that it can be followed by more key material
// while keeping the byte order of s: 0x00 becomes 0x00 0xff and the end is
// marked 0x00 0x01, which sorts before any continuation of s.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xff)
			continue
		}
		b = append(b, s[i])
	}
	return append(b, 0, 1)
}

// historyPrefix is the prefix of all history records of key.
func historyPrefix(key string) []byte {
	return appendEscaped(append(make([]byte, 0, len(key)+3), spaceHistory), key)
}

func historyKey(key string, v Version) []byte {
	return v.append(historyPrefix(key))
}

// parseHistoryKey returns the state key and version of a history record key.
func parseHistoryKey(k []byte) (string, Version, error) {
	if len(k) < 1+2+versionLen || k[0] != spaceHistory {
		return "", Version{}, fmt.Errorf("bad history key %q", k)
	}
	esc := k[1 : len(k)-versionLen]
	if !bytes.HasSuffix(esc, []byte{0, 1}) {
		return "", Version{}, fmt.Errorf("bad history key %q", k)
	}
	esc = esc[:len(esc)-2]
	key := make([]byte, 0, len(esc))
	for i := 0; i < len(esc); i++ {
		key = append(key, esc[i])
		if esc[i] == 0 {
			i++ // skip the 0xff escape
		}
	}
	tail := k[len(k)-versionLen:]
	return string(key), Version{Block: binary.BigEndian.Uint64(tail), Tx: binary.BigEndian.Uint32(tail[8:])}, nil
}

func privatePrefix(collection string) []byte {
	return appendEscaped([]byte{spacePrivate}, collection)
}

func privateKey(collection, key string) []byte {
	return append(privatePrefix(collection), key...)
}

// parsePrivateKey returns the collection and key of a private data key.
func parsePrivateKey(k []byte) (string, string, error) {
	if len(k) < 3 || k[0] != spacePrivate {
		return "", "", fmt.Errorf("bad private key %q", k)
	}
	var coll []byte
	for i := 1; i+1 < len(k); i++ {
		if k[i] != 0 {
			coll = append(coll, k[i])
			continue
		}
		switch k[i+1] {
		case 0xff:
			coll = append(coll, 0)
			i++
		case 1:
			return string(coll), string(k[i+2:]), nil
		default:
			return "", "", fmt.Errorf("bad private key %q", k)
		}
	}
	return "", "", fmt.Errorf("bad private key %q", k)
}

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
