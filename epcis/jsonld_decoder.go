package epcis

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// maxProblems stops a decoder from collecting an unbounded error list.
const maxProblems = 100

var errTooManyProblems = errors.New("too many problems, decoding stopped")

// jsonDecoder is the state of one DecodeJSON call.
type jsonDecoder struct {
	s          jsonScanner
	lim        Limits
	doc        *Document
	path       []pathSeg
	event      int // index of the event being decoded, -1 outside events
	problems   ErrorList
	sawContext bool
	docContext *jsonContext
	// eventContexts holds the @context of events that have their own,
	// indexed like doc.Events; names are resolved once the whole document
	// (whose @context may come last) is read.
	eventContexts map[int]map[string]string
	// hasNames marks events with extension names or CURIE values to resolve.
	hasNames map[int]bool
	// badType is set while decoding an event whose type was present but
	// unknown, so that it is not also reported missing.
	badType bool
	// seenFields has a bit for each standard field of the event being
	// decoded, to report duplicates.
	seenFields uint64
	// scratch is reused by stringList.
	scratch []string
	// hasWhat is set when the event being decoded has an epcList or a
	// quantityList field.
	hasWhat bool
}

type pathSeg struct {
	key string
	idx int // >= 0: an array index, else key
}

func (d *jsonDecoder) push(key string) { d.path = append(d.path, pathSeg{key: key, idx: -1}) }

func (d *jsonDecoder) pushIdx(i int) { d.path = append(d.path, pathSeg{idx: i}) }

func (d *jsonDecoder) pop() { d.path = d.path[:len(d.path)-1] }

func (d *jsonDecoder) pathString() string {
	var b strings.Builder
	for _, s := range d.path {
		if s.idx >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.idx))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

// problem records a content problem at the current path; decoding goes on.
func (d *jsonDecoder) problem(err error) error {
	if len(d.problems) >= maxProblems {
		return d.fatal(errTooManyProblems)
	}
	d.problems = append(d.problems, &Error{Event: d.event, Path: d.pathString(), Err: err})
	return nil
}

// problemAt records a problem in the named child of the current path.
func (d *jsonDecoder) problemAt(key string, err error) {
	d.push(key)
	_ = d.problem(err)
	d.pop()
}

// fatal returns the error that stops decoding, located at the current path.
func (d *jsonDecoder) fatal(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Path == "" {
		e.Event, e.Path = d.event, d.pathString()
		return e
	}
	if e != nil {
		return e
	}
	return &Error{Event: d.event, Path: d.pathString(), Err: err}
}

// wrongKind records a type mismatch and skips the value.
func (d *jsonDecoder) wrongKind(want string) error {
	if err := d.problem(errWrongKind(want, d.s.peek())); err != nil {
		return err
	}
	if err := d.s.skipValue(); err != nil {
		return d.fatal(err)
	}
	return nil
}

// str reads a string field; a value of another kind is a problem.
func (d *jsonDecoder) str() (string, bool, error) {
	if d.s.peek() != jsonString {
		return "", false, d.wrongKind("a string")
	}
	v, err := d.s.readString()
	if err != nil {
		return "", false, d.fatal(err)
	}
	return v, true, nil
}

// timestamp reads an xsd:dateTimeStamp field.
func (d *jsonDecoder) timestamp() (time.Time, bool, error) {
	v, ok, err := d.str()
	if !ok || err != nil {
		return time.Time{}, false, err
	}
	t, perr := parseTimestamp(v)
	if perr != nil {
		return time.Time{}, false, d.problem(perr)
	}
	return t, true, nil
}

// parseTimestamp parses an xsd:dateTimeStamp (RFC 3339 with a time zone).
func parseTimestamp(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, classed(ErrInvalidValue, "invalid timestamp %q: want RFC 3339 with a time zone, e.g. 2024-03-01T10:00:00.000+01:00", v)
	}
	return t, nil
}

// number reads a JSON number field.
func (d *jsonDecoder) number() (*float64, error) {
	if d.s.peek() != jsonNumber {
		return nil, d.wrongKind("a number")
	}
	lit, err := d.s.readNumber()
	if err != nil {
		return nil, d.fatal(err)
	}
	f, perr := strconv.ParseFloat(lit, 64)
	if perr != nil {
		return nil, d.problem(classed(ErrInvalidValue, "number %s out of range", lit))
	}
	return &f, nil
}

// stringList reads an array of strings, bounded by MaxEPCsPerEvent.
func (d *jsonDecoder) stringList() ([]string, error) {
	if d.s.peek() != jsonArray {
		return nil, d.wrongKind("an array of strings")
	}
	if err := d.s.beginArray(); err != nil {
		return nil, d.fatal(err)
	}
	// Collect into a reused scratch slice, then copy once at the exact size.
	out := d.scratch[:0]
	defer func() { d.scratch = out[:0] }()
	for i := 0; ; i++ {
		more, err := d.s.nextElem(i == 0)
		if err != nil {
			return nil, d.fatal(err)
		}
		if !more {
			if len(out) == 0 {
				return nil, nil
			}
			return append(make([]string, 0, len(out)), out...), nil
		}
		if i >= d.lim.MaxEPCsPerEvent {
			return nil, d.fatal(limitErr("list length", int64(d.lim.MaxEPCsPerEvent)))
		}
		d.pushIdx(i)
		v, ok, err := d.str()
		d.pop()
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
}

// forEachElem calls fn for each element of an array, with the index pushed on
// the path; a non-array value is a problem.
func (d *jsonDecoder) forEachElem(want string, max int, fn func(i int) error) error {
	if d.s.peek() != jsonArray {
		return d.wrongKind(want)
	}
	if err := d.s.beginArray(); err != nil {
		return d.fatal(err)
	}
	for i := 0; ; i++ {
		more, err := d.s.nextElem(i == 0)
		if err != nil {
			return d.fatal(err)
		}
		if !more {
			return nil
		}
		if i >= max {
			return d.fatal(limitErr("list length", int64(max)))
		}
		d.pushIdx(i)
		err = fn(i)
		d.pop()
		if err != nil {
			return err
		}
	}
}

// forEachKey calls fn for each member of an object, with the key pushed on
// the path (fn reads the value); a non-object value is a problem.
func (d *jsonDecoder) forEachKey(fn func(key string) error) error {
	if d.s.peek() != jsonObject {
		return d.wrongKind("an object")
	}
	if err := d.s.beginObject(); err != nil {
		return d.fatal(err)
	}
	for first := true; ; first = false {
		kb, more, err := d.s.nextKey(first)
		if err != nil {
			return d.fatal(err)
		}
		if !more {
			return nil
		}
		key := internKey(kb)
		d.push(key)
		err = fn(key)
		d.pop()
		if err != nil {
			return err
		}
	}
}

// unknownField records a field that does not belong and skips its value.
// forEachUniqueKey is forEachKey for the objects around the events (the
// document, its header and body, query results): a member given twice is a
// problem, and its second value is skipped. Without the check the events
// of two "eventList" or "epcisBody" members were both captured, while a
// validator or gateway that keeps the last of duplicate members (as most
// JSON libraries do) saw only the second.
func (d *jsonDecoder) forEachUniqueKey(fn func(key string) error) error {
	seen := map[string]bool{} // a slice would make an object of n members cost n² compares
	return d.forEachKey(func(key string) error {
		if seen[key] {
			if err := d.problem(classed(ErrInvalidValue, "%s is given twice", key)); err != nil {
				return err
			}
			if err := d.s.skipValue(); err != nil {
				return d.fatal(err)
			}
			return nil
		}
		seen[key] = true
		return fn(key)
	})
}

func (d *jsonDecoder) unknownField() error {
	if err := d.problem(ErrUnknownField); err != nil {
		return err
	}
	if err := d.s.skipValue(); err != nil {
		return d.fatal(err)
	}
	return nil
}
