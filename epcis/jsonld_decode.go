package epcis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// JSONDecoder decodes EPCIS 2.0 JSON-LD with explicit options. The zero value
// is strict and applies DefaultLimits.
type JSONDecoder struct {
	// Limits bound the input; zero fields take their defaults.
	Limits Limits
	// AllowMissingContext accepts documents without @context, reading them
	// as if they named the standard EPCIS context. Some capture clients omit
	// it; the standard requires it.
	AllowMissingContext bool
}

// DecodeJSON reads one EPCIS 2.0 JSON-LD document: an EPCISDocument, an
// EPCISQueryDocument, or a single bare event, with DefaultLimits and a
// required @context. Decoding checks the JSON structure (field types, unknown
// fields, timestamps, namespace prefixes); Validate checks the EPCIS rules.
//
// On failure the error is an ErrorList of *Error (every problem found, each
// with its event index and field path), or a single *Error for malformed
// JSON; errors.Is(err, ErrTooLarge) reports a limit violation.
func DecodeJSON(r io.Reader) (*Document, error) {
	return JSONDecoder{}.Decode(r)
}

// Decode reads a document from r; see DecodeJSON.
func (dec JSONDecoder) Decode(r io.Reader) (*Document, error) {
	lim := dec.Limits.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read epcis json: %w", err)
	}
	return dec.DecodeBytes(data)
}

// DecodeBytes decodes a document held in memory; see DecodeJSON. The
// document does not keep references to data.
func (dec JSONDecoder) DecodeBytes(data []byte) (*Document, error) {
	doc, problems, err := dec.decode(data)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return doc, nil
}

// DecodeAndValidateJSON decodes a document and validates it, and reports
// every problem either step finds in one ErrorList (a document whose JSON is
// malformed, or over a limit, is not validated).
func DecodeAndValidateJSON(r io.Reader) (*Document, error) {
	return JSONDecoder{}.DecodeAndValidate(r)
}

// DecodeAndValidate is DecodeAndValidateJSON with the decoder's options.
func (dec JSONDecoder) DecodeAndValidate(r io.Reader) (*Document, error) {
	lim := dec.Limits.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read epcis json: %w", err)
	}
	return dec.DecodeAndValidateBytes(data)
}

// DecodeAndValidateBytes is DecodeAndValidate for a document in memory.
func (dec JSONDecoder) DecodeAndValidateBytes(data []byte) (*Document, error) {
	doc, problems, err := dec.decode(data)
	if err != nil {
		return nil, err
	}
	var verr ErrorList
	if err := doc.Validate(); err != nil {
		verr = err.(ErrorList)
	}
	if len(problems) == 0 && len(verr) == 0 {
		return doc, nil
	}
	// A field the decoder already rejected is not reported again (a bad
	// timestamp would otherwise also be "missing").
	for _, v := range verr {
		if !coveredBy(v, problems) {
			problems = append(problems, v)
		}
	}
	return nil, problems
}

func coveredBy(e *Error, list ErrorList) bool {
	for _, p := range list {
		if p.Event == e.Event && (p.Path == e.Path || strings.HasPrefix(e.Path, p.Path+".") || strings.HasPrefix(e.Path, p.Path+"[")) {
			return true
		}
	}
	return false
}

// decode decodes data; problems are content errors (the document is still
// returned), err stops decoding.
func (dec JSONDecoder) decode(data []byte) (*Document, ErrorList, error) {
	lim := dec.Limits.withDefaults()
	if int64(len(data)) > lim.MaxDocumentBytes {
		return nil, nil, &Error{Event: -1, Err: limitErr("document size in bytes", lim.MaxDocumentBytes)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	d := &jsonDecoder{
		s:     jsonScanner{data: data, maxDepth: lim.MaxDepth},
		lim:   lim,
		event: -1,
		doc:   &Document{},
	}
	if err := d.document(); err != nil {
		return nil, nil, err
	}
	d.s.skipSpace()
	if d.s.pos != len(d.s.data) {
		return nil, nil, &Error{Event: -1, Err: d.s.errorf("unexpected data after the document")}
	}
	if !d.sawContext && !dec.AllowMissingContext {
		d.problemAt("@context", errors.New("missing: an EPCIS 2.0 JSON-LD document must have a @context"))
	}
	d.resolveNames()
	return d.doc, d.problems, nil
}

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
func (d *jsonDecoder) pushIdx(i int)   { d.path = append(d.path, pathSeg{idx: i}) }
func (d *jsonDecoder) pop()            { d.path = d.path[:len(d.path)-1] }

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
		return time.Time{}, fmt.Errorf("invalid timestamp %q: want RFC 3339 with a time zone, e.g. 2024-03-01T10:00:00.000+01:00", v)
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
		return nil, d.problem(fmt.Errorf("number %s out of range", lit))
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
func (d *jsonDecoder) unknownField() error {
	if err := d.problem(errors.New("unknown field")); err != nil {
		return err
	}
	if err := d.s.skipValue(); err != nil {
		return d.fatal(err)
	}
	return nil
}

// document decodes the top-level object: a document or a bare event.
func (d *jsonDecoder) document() error {
	if d.s.peek() != jsonObject {
		return d.fatal(d.s.errorf("an EPCIS JSON document must be an object"))
	}
	var (
		docType    string
		bare       Event
		bareFields []string
		bareErrs   ErrorList
	)
	err := d.forEachKey(func(key string) error {
		switch key {
		case "@context":
			return d.context(-1)
		case "type":
			v, _, err := d.str()
			docType = v
			return err
		case "schemaVersion":
			v, _, err := d.str()
			d.doc.SchemaVersion = v
			return err
		case "creationDate":
			t, _, err := d.timestamp()
			d.doc.CreationDate = t
			return err
		case "sender":
			v, _, err := d.str()
			d.doc.Sender = v
			return err
		case "receiver":
			v, _, err := d.str()
			d.doc.Receiver = v
			return err
		case "instanceIdentifier":
			v, _, err := d.str()
			d.doc.InstanceIdentifier = v
			return err
		case "id":
			return d.s.skipValue() // a JSON-LD node id of the document itself
		case "epcisHeader":
			return d.header()
		case "epcisBody":
			return d.body()
		}
		if docType == "EPCISDocument" || docType == "EPCISQueryDocument" {
			if isExtensionKey(key) {
				// A namespaced annotation of the document: kept with the
				// header's extensions.
				els, err := d.extension(key)
				d.doc.HeaderExtensions = append(d.doc.HeaderExtensions, els...)
				return err
			}
		}
		// A bare event: its fields sit at the top level.
		bareFields = append(bareFields, key)
		saved := d.problems
		d.problems, d.event = nil, 0
		err := d.eventField(&bare, key)
		bareErrs = append(bareErrs, d.problems...)
		d.problems, d.event = saved, -1
		return err
	})
	if err != nil {
		return err
	}
	switch docType {
	case "EPCISDocument", "EPCISQueryDocument":
		if docType == "EPCISQueryDocument" && d.doc.Query == nil {
			d.doc.Query = &QueryResults{}
		}
		for _, f := range bareFields {
			if !isExtensionKey(f) {
				d.problemAt(f, errors.New("unknown field"))
			}
		}
	case "":
		d.problemAt("type", errors.New("missing"))
	default:
		if !isEventType(docType) {
			d.problemAt("type", fmt.Errorf("unknown document or event type %q", docType))
			return nil
		}
		bare.Type = EventType(docType)
		d.doc.Events = append(d.doc.Events, bare)
		d.problems = append(d.problems, bareErrs...)
		d.event = 0
		d.checkWhat(&bare)
		d.event = -1
	}
	return nil
}

func isEventType(t string) bool {
	switch EventType(t) {
	case ObjectEventType, AggregationEventType, TransactionEventType, TransformationEventType, AssociationEventType:
		return true
	}
	return false
}

// context reads a @context; event is the index of the event it belongs to,
// -1 for the document's.
func (d *jsonDecoder) context(event int) error {
	v, err := d.s.readValue()
	if err != nil {
		return d.fatal(err)
	}
	prefixes, perr := parseContext(v)
	if perr != nil {
		return d.problem(perr)
	}
	if event < 0 {
		d.sawContext = true
		d.docContext = &jsonContext{prefixes: prefixes}
		if d.doc.Namespaces == nil {
			d.doc.Namespaces = map[string]string{}
		}
		for p, ns := range prefixes {
			d.doc.Namespaces[p] = ns
		}
		return nil
	}
	if d.eventContexts == nil {
		d.eventContexts = map[int]map[string]string{}
	}
	d.eventContexts[event] = prefixes
	return nil
}

// body reads epcisBody: an eventList, a single event, or queryResults.
func (d *jsonDecoder) body() error {
	return d.forEachKey(func(key string) error {
		switch key {
		case "eventList":
			return d.eventList()
		case "event":
			d.event = len(d.doc.Events)
			d.doc.Events = append(d.doc.Events, Event{})
			err := d.eventObject(&d.doc.Events[d.event])
			d.event = -1
			return err
		case "queryResults":
			if d.doc.Query == nil {
				d.doc.Query = &QueryResults{}
			}
			return d.queryResults()
		}
		return d.unknownField()
	})
}

func (d *jsonDecoder) queryResults() error {
	return d.forEachKey(func(key string) error {
		switch key {
		case "queryName":
			v, _, err := d.str()
			d.doc.Query.QueryName = v
			return err
		case "subscriptionID":
			v, _, err := d.str()
			d.doc.Query.SubscriptionID = v
			return err
		case "resultsBody":
			return d.forEachKey(func(key string) error {
				if key == "eventList" {
					return d.eventList()
				}
				return d.unknownField()
			})
		}
		if isExtensionKey(key) {
			return d.s.skipValue() // a namespaced annotation of the results
		}
		return d.unknownField()
	})
}

func (d *jsonDecoder) eventList() error {
	return d.forEachElem("an array of events", d.lim.MaxEvents+1, func(int) error {
		if len(d.doc.Events) >= d.lim.MaxEvents {
			return d.fatal(limitErr("number of events", int64(d.lim.MaxEvents)))
		}
		d.event = len(d.doc.Events)
		d.doc.Events = append(d.doc.Events, Event{})
		err := d.eventObject(&d.doc.Events[d.event])
		d.event = -1
		return err
	})
}

// header reads epcisHeader: the master data vocabularies and namespaced
// header extensions (such as a DSCSA transaction statement). Other members
// (a JSON rendering of the SBDH is not standardised) are skipped.
func (d *jsonDecoder) header() error {
	return d.forEachKey(func(key string) error {
		if key != "epcisMasterData" {
			if isExtensionKey(key) {
				els, err := d.extension(key)
				d.doc.HeaderExtensions = append(d.doc.HeaderExtensions, els...)
				return err
			}
			return d.s.skipValue() // e.g. a JSON rendering of the SBDH
		}
		return d.forEachKey(func(key string) error {
			if key != "vocabularyList" {
				return d.unknownField()
			}
			return d.forEachElem("an array of vocabularies", d.lim.MaxEvents, func(int) error {
				var voc Vocabulary
				err := d.forEachKey(func(key string) error {
					switch key {
					case "type":
						v, _, err := d.str()
						voc.Type = v
						return err
					case "vocabularyElementList":
						return d.forEachElem("an array", d.lim.MaxEvents, func(int) error {
							el, err := d.vocabularyElement()
							voc.Elements = append(voc.Elements, el)
							return err
						})
					}
					return d.unknownField()
				})
				d.doc.MasterData = append(d.doc.MasterData, voc)
				return err
			})
		})
	})
}

func (d *jsonDecoder) vocabularyElement() (VocabularyElement, error) {
	var el VocabularyElement
	err := d.forEachKey(func(key string) error {
		switch key {
		case "id":
			v, _, err := d.str()
			el.ID = v
			return err
		case "children":
			v, err := d.stringList()
			el.Children = v
			return err
		case "attributes":
			return d.forEachElem("an array of attributes", d.lim.MaxEPCsPerEvent, func(int) error {
				var attr VocabularyAttribute
				err := d.forEachKey(func(key string) error {
					switch key {
					case "id":
						v, _, err := d.str()
						attr.ID = v
						return err
					case "attribute":
						return d.attributeValue(&attr)
					}
					return d.unknownField()
				})
				el.Attributes = append(el.Attributes, attr)
				return err
			})
		}
		return d.unknownField()
	})
	return el, err
}

// attributeValue reads a master data attribute: simple text or a structure.
func (d *jsonDecoder) attributeValue(attr *VocabularyAttribute) error {
	v, err := d.s.readValue()
	if err != nil {
		return d.fatal(err)
	}
	switch v.kind {
	case jsonString, jsonNumber, jsonBool:
		attr.Value = v.text
	case jsonObject:
		for _, m := range v.members {
			attr.Elements = append(attr.Elements, d.elementsFromJSON(m.key, m.value, 1)...)
		}
		d.markNames()
	}
	return nil
}
