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
		if !ok || !p.byte(':') || !once(&seen, batchMembers, key) {
			return false
		}
		switch key {
		case "requests":
			if !p.requests(out) {
				return false
			}
		case "reqGLN":
			if out.ReqGLN, ok = p.str(); !ok {
				return false
			}
		case "context":
			if out.Context, ok = p.str(); !ok {
				return false
			}
		default:
			return false
		}
		if p.byte(',') {
			continue
		}
		return p.byte('}') && p.end()
	}
}

// The members of a batch body and of one of its requests, for once.
var (
	batchMembers   = []string{"requests", "reqGLN", "context"}
	requestMembers = []string{"gtin", "serial", "lot", "expiry", "reqGLN", "corrUUID", "context"}
)

// once marks key, one of members (at most 8), as read in seen, and reports
// false if it had been read before. An unknown key passes: the caller gives
// up on it anyway.
func once(seen *uint8, members []string, key string) bool {
	for i, m := range members {
		if m == key {
			bit := uint8(1) << i
			if *seen&bit != 0 {
				return false
			}
			*seen |= bit
			return true
		}
	}
	return true
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
	var seen uint8
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') || !once(&seen, requestMembers, key) {
			return false
		}
		var v string
		if v, ok = p.str(); !ok {
			return false
		}
		switch key {
		case "gtin":
			r.GTIN = v
		case "serial":
			r.Serial = v
		case "lot":
			r.Lot = v
		case "expiry":
			r.Expiry = v
		case "reqGLN":
			r.ReqGLN = v
		case "corrUUID":
			r.CorrUUID = v
		case "context":
			r.Context = v
		default:
			return false
		}
		if p.byte(',') {
			continue
		}
		return p.byte('}')
	}
}
