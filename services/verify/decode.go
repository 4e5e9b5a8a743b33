package verify

// A batch body is a thousand small objects of short strings; encoding/json
// spent most of a batch's CPU decoding it. fastDecodeBatch reads the common
// shape directly and gives up (returning false) on anything else, such as
// escapes, unknown fields, a member given twice or malformed JSON: the
// caller then decodes with encoding/json, which also words the errors, and
// refuses duplicate members (httpx.NoDuplicateKeys).

// fastDecodeBatch decodes b into out when b is a plain batch request.
func fastDecodeBatch(b []byte, out *BatchRequest) bool {
	p := scanner{b: b}
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return p.end()
	}
	var seen uint8 // the members read: one given twice goes to the slow path, which refuses it
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		var bit uint8
		switch key {
		case "requests":
			if bit = 1 << 0; seen&bit != 0 || !p.requests(out) {
				return false
			}
		case "reqGLN":
			if bit = 1 << 1; seen&bit != 0 {
				return false
			}
			if out.ReqGLN, ok = p.str(); !ok {
				return false
			}
		case "context":
			if bit = 1 << 2; seen&bit != 0 {
				return false
			}
			if out.Context, ok = p.str(); !ok {
				return false
			}
		default:
			return false
		}
		seen |= bit
		if p.byte(',') {
			continue
		}
		return p.byte('}') && p.end()
	}
}

// scanner walks a JSON document.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c (after white space) if it comes next.
func (p *scanner) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (p *scanner) end() bool {
	p.space()
	return p.i == len(p.b)
}

// str reads a string without escapes or control characters.
func (p *scanner) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := string(p.b[start:p.i])
			p.i++
			return s, true
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// requests reads the requests array.
func (p *scanner) requests(out *BatchRequest) bool {
	if !p.byte('[') {
		return false
	}
	if p.byte(']') {
		out.Requests = []Request{}
		return true
	}
	out.Requests = make([]Request, 0, 64)
	for {
		var r Request
		if !p.request(&r) {
			return false
		}
		out.Requests = append(out.Requests, r)
		if p.byte(',') {
			continue
		}
		return p.byte(']')
	}
}

// request reads one request object.
func (p *scanner) request(r *Request) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	var seen uint8 // the members read: one given twice goes to the slow path, which refuses it
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		var v string
		if v, ok = p.str(); !ok {
			return false
		}
		var bit uint8
		switch key {
		case "gtin":
			r.GTIN, bit = v, 1<<0
		case "serial":
			r.Serial, bit = v, 1<<1
		case "lot":
			r.Lot, bit = v, 1<<2
		case "expiry":
			r.Expiry, bit = v, 1<<3
		case "reqGLN":
			r.ReqGLN, bit = v, 1<<4
		case "corrUUID":
			r.CorrUUID, bit = v, 1<<5
		case "context":
			r.Context, bit = v, 1<<6
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		if p.byte(',') {
			continue
		}
		return p.byte('}')
	}
}
