package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The on-disk encodings are a small length-prefixed binary format written by
// hand: deterministic (the block hash depends on it), compact, and fast to
// encode for blocks carrying thousands of writes.

// encoder appends values to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *encoder) uvarint(v uint64) {
	e.b = binary.AppendUvarint(e.b, v)
}
func (e *encoder) bytes(v []byte) {
	e.uvarint(uint64(len(v)))
	e.b = append(e.b, v...)
}
func (e *encoder) str(v string) {
	e.uvarint(uint64(len(v)))
	e.b = append(e.b, v...)
}
func (e *encoder) fixed(v []byte) { e.b = append(e.b, v...) }

// errShort is returned when an encoding ends early.
var errShort = errors.New("truncated encoding")

// decoder reads values written by encoder. The first error sticks; check err
// once at the end.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.fail(errShort)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if v := d.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if v := d.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(fmt.Errorf("bad varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) length() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail(errShort)
		return 0
	}
	return int(n)
}

// bytes returns a copy-free sub-slice; callers that keep it beyond the
// buffer's life must copy.
func (d *decoder) bytes() []byte {
	n := d.length()
	return d.take(n)
}

func (d *decoder) str() string { return string(d.bytes()) }

// count reads an element count and bounds it by the bytes left, so a corrupt
// count cannot make a decoder allocate without limit.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail(fmt.Errorf("count %d exceeds remaining %d bytes", n, len(d.b)))
		return 0
	}
	return int(n)
}

// done reports the sticky error, or an error if bytes are left over.
func (d *decoder) done() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return nil
}
