package gs1

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// This file decodes compressed GS1 Digital Link URIs (GS1 Digital Link
// standard 1.x, "compression"): the AIs are packed into a bit string written
// in the file-safe base64 alphabet as the last path segment. Each AI is
// either its digits as 4-bit nibbles, or an 8-bit "optimisation" code for a
// common sequence of AIs; each value follows in a binary form chosen by the
// AI's format. The format split per AI is derived from the syntax
// dictionary (see compressionFormat); the optimisation codes below are those
// of the standard as implemented in GS1's GS1DigitalLinkToolkit.js
// (Apache-2.0).

// dlOptimisations maps an optimisation code to the AIs it stands for.
var dlOptimisations = map[string][]string{
	"0A": {"01", "22"}, "0B": {"01", "10"}, "0C": {"01", "21"}, "0D": {"01", "17"},
	"0E": {"01", "7003"}, "0F": {"01", "30"}, "1A": {"01", "10", "21", "17"},
	"1B": {"01", "15"}, "1C": {"01", "11"}, "1D": {"01", "16"}, "1E": {"01", "91"},
	"1F": {"01", "10", "15"},
	"2A": {"01", "3100"}, "2B": {"01", "3101"}, "2C": {"01", "3102"}, "2D": {"01", "3103"},
	"2E": {"01", "3104"}, "2F": {"01", "3105"},
	"3A": {"01", "3200"}, "3B": {"01", "3201"}, "3C": {"01", "3202"}, "3D": {"01", "3203"},
	"3E": {"01", "3204"}, "3F": {"01", "3205"},
	"9A": {"8010", "8011"}, "9B": {"8017", "8019"}, "9C": {"8018", "8019"}, "9D": {"414", "254"},
	"A0": {"01", "3920"}, "A1": {"01", "3921"}, "A2": {"01", "3922"}, "A3": {"01", "3923"},
	"A4": {"01", "3924"}, "A5": {"01", "3925"}, "A6": {"01", "3926"}, "A7": {"01", "3927"},
	"A8": {"01", "3928"}, "A9": {"01", "3929"},
	"C0": {"255", "3900"}, "C1": {"255", "3901"}, "C2": {"255", "3902"}, "C3": {"255", "3903"},
	"C4": {"255", "3904"}, "C5": {"255", "3905"}, "C6": {"255", "3906"}, "C7": {"255", "3907"},
	"C8": {"255", "3908"}, "C9": {"255", "3909"},
	"CA": {"255", "3940"}, "CB": {"255", "3941"}, "CC": {"255", "3942"}, "CD": {"255", "3943"},
}

// base64URLAlphabet is the file-safe base64 alphabet in value order.
const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// compPart is one part of an AI value in the compressed form: numeric or
// alphanumeric, of fixed length (fixed) or of up to max characters.
type compPart struct {
	numeric bool
	fixed   int
	max     int
}

// compressionFormat splits an AI's data into the parts the compression
// encodes separately: runs of mandatory fixed-length numeric components are
// merged, trailing optional numeric components become one variable-length
// numeric part, and adjacent alphanumeric components (X, Y, Z) merge into
// one part: fixed-length if they all are, else variable-length.
func compressionFormat(def *AIDef) []compPart {
	var parts []compPart
	for _, c := range def.Components {
		numeric := c.Type == 'N'
		var last *compPart
		if len(parts) > 0 {
			last = &parts[len(parts)-1]
		}
		switch {
		case numeric && c.Min == c.Max && !c.Optional:
			if last != nil && last.numeric && last.fixed > 0 {
				last.fixed += c.Max
				continue
			}
			parts = append(parts, compPart{numeric: true, fixed: c.Max})
		case numeric:
			if last != nil && last.numeric && last.fixed == 0 {
				last.max += c.Max
				continue
			}
			parts = append(parts, compPart{numeric: true, max: c.Max})
		default:
			fixed := c.Min == c.Max && !c.Optional
			if last != nil && !last.numeric {
				switch {
				case last.fixed > 0 && fixed:
					last.fixed += c.Max
				case last.fixed > 0:
					last.max, last.fixed = last.fixed+c.Max, 0
				default:
					last.max += c.Max
				}
				continue
			}
			if c.Min == c.Max && !c.Optional {
				parts = append(parts, compPart{fixed: c.Max})
			} else {
				parts = append(parts, compPart{max: c.Max})
			}
		}
	}
	return parts
}

// bitReader reads big-endian bit fields from a base64url string.
type bitReader struct {
	bits []byte // one 0/1 per bit
	pos  int
}

func newBitReader(s string) (*bitReader, error) {
	r := &bitReader{bits: make([]byte, 0, 6*len(s))}
	for i := 0; i < len(s); i++ {
		v := strings.IndexByte(base64URLAlphabet, s[i])
		if v < 0 {
			return nil, fmt.Errorf("compressed segment has a non-base64url character at offset %d", i)
		}
		for b := 5; b >= 0; b-- {
			r.bits = append(r.bits, byte(v>>b)&1)
		}
	}
	return r, nil
}

func (r *bitReader) remaining() int { return len(r.bits) - r.pos }

// read returns the next n bits as an unsigned integer (n <= 62).
func (r *bitReader) read(n int) (uint64, error) {
	if n > r.remaining() {
		return 0, errors.New("compressed data ends early")
	}
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<1 | uint64(r.bits[r.pos+i])
	}
	r.pos += n
	return v, nil
}

// readDecimal reads the value bits of an n-digit number and returns it
// zero-padded to n digits.
func (r *bitReader) readDecimal(n int) (string, error) {
	nb := valueBits(n)
	if nb > r.remaining() {
		return "", errors.New("compressed data ends early")
	}
	v := new(big.Int)
	for i := 0; i < nb; i++ {
		v.Lsh(v, 1)
		if r.bits[r.pos+i] == 1 {
			v.SetBit(v, 0, 1)
		}
	}
	r.pos += nb
	s := v.String()
	if len(s) > n {
		return "", fmt.Errorf("compressed number %s has more than %d digits", s, n)
	}
	return strings.Repeat("0", n-len(s)) + s, nil
}

// valueBits is the number of bits holding an n-digit number.
func valueBits(n int) int { return int(math.Ceil(float64(n)*math.Log2(10) + 0.01)) }

// lengthBits is the number of bits holding a length of at most max.
func lengthBits(max int) int { return int(math.Ceil(math.Log2(float64(max)) + 0.01)) }

// readChars reads n characters in the given encoding: 0 digits, 1/2 lower/
// upper-case hexadecimal, 3 base64url, 4 7-bit ASCII.
func (r *bitReader) readChars(enc uint64, n int) (string, error) {
	switch enc {
	case 0:
		return r.readDecimal(n)
	case 1, 2, 3, 4:
	default:
		return "", fmt.Errorf("unknown compressed value encoding %d", enc)
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		switch enc {
		case 1, 2:
			v, err := r.read(4)
			if err != nil {
				return "", err
			}
			c := "0123456789ABCDEF"[v]
			if enc == 1 && c >= 'A' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		case 3:
			v, err := r.read(6)
			if err != nil {
				return "", err
			}
			b.WriteByte(base64URLAlphabet[v])
		case 4:
			v, err := r.read(7)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(v))
		}
	}
	return b.String(), nil
}

// readValue reads an AI's value in its compressed form.
func (r *bitReader) readValue(def *AIDef) (string, error) {
	var b strings.Builder
	for _, p := range compressionFormat(def) {
		switch {
		case p.numeric && p.fixed > 0:
			s, err := r.readDecimal(p.fixed)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case p.numeric:
			if r.remaining() < lengthBits(p.max) && b.Len() > 0 {
				return b.String(), nil // an optional trailing part left out
			}
			n, err := r.read(lengthBits(p.max))
			if err != nil {
				return "", err
			}
			if n == 0 {
				continue
			}
			s, err := r.readDecimal(int(n))
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		default:
			if p.fixed == 0 && r.remaining() < 3+lengthBits(p.max) && b.Len() > 0 {
				return b.String(), nil // an optional trailing part left out
			}
			enc, err := r.read(3)
			if err != nil {
				return "", err
			}
			n := uint64(p.fixed)
			if p.fixed == 0 {
				if n, err = r.read(lengthBits(p.max)); err != nil {
					return "", err
				}
			}
			s, err := r.readChars(enc, int(n))
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		}
	}
	return b.String(), nil
}

// aiLengthByPrefix gives the AI length for each two-digit AI prefix.
var aiLengthByPrefix = func() map[string]int {
	m := map[string]int{}
	for _, d := range aiTable {
		m[d.AI[:2]] = len(d.AI)
	}
	return m
}()

// decompressDigitalLink decodes the AIs packed in a compressed Digital Link
// path segment, in the order found. Non-GS1 key=value pairs are skipped.
func decompressDigitalLink(seg string) ([]Element, error) {
	r, err := newBitReader(seg)
	if err != nil {
		return nil, err
	}
	var elems []Element
	for r.remaining() > 8 {
		if len(elems) >= MaxElements {
			return nil, errors.New("more AIs than the maximum accepted")
		}
		h, _ := r.read(8)
		code := fmt.Sprintf("%02X", h)
		var ais []string
		switch {
		case h>>4 <= 9 && h&15 <= 9:
			n, ok := aiLengthByPrefix[code]
			if !ok {
				return nil, fmt.Errorf("no AI starts with %s", code)
			}
			ai := code
			for len(ai) < n {
				d, err := r.read(4)
				if err != nil {
					return nil, err
				}
				if d > 9 {
					return nil, fmt.Errorf("AI %s continues with a non-digit", ai)
				}
				ai += string(rune('0' + d))
			}
			ais = []string{ai}
		case dlOptimisations[code] != nil:
			ais = dlOptimisations[code]
		case h>>4 == 0xF:
			if err := r.skipKeyValue(h); err != nil {
				return nil, err
			}
			continue
		default:
			return nil, fmt.Errorf("unknown compression code %s", code)
		}
		for _, ai := range ais {
			def, ok := LookupAI(ai)
			if !ok {
				return nil, fmt.Errorf("unknown AI (%s)", ai)
			}
			v, err := r.readValue(def)
			if err != nil {
				return nil, fmt.Errorf("(%s): %w", ai, err)
			}
			elems = append(elems, Element{AI: ai, Value: v})
		}
	}
	return elems, nil
}

// skipKeyValue reads past a compressed non-GS1 key=value pair, whose header
// byte h (0xF_) holds the top bits of the key length.
func (r *bitReader) skipKeyValue(h uint64) error {
	low, err := r.read(3)
	if err != nil {
		return err
	}
	keyLen := (h&15)<<3 | low
	if _, err := r.readChars(3, int(keyLen)); err != nil {
		return err
	}
	enc, err := r.read(3)
	if err != nil {
		return err
	}
	n, err := r.read(7)
	if err != nil {
		return err
	}
	_, err = r.readChars(enc, int(n))
	return err
}
