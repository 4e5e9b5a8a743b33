package epcis

import (
	"bytes"
	"fmt"
	"io"
	"strings"
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
		d.problemAt("@context", classed(ErrMissing, "missing: an EPCIS 2.0 JSON-LD document must have a @context"))
	}
	d.resolveNames()
	return d.doc, d.problems, nil
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
	err := d.forEachUniqueKey(func(key string) error {
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
				d.problemAt(f, ErrUnknownField)
			}
		}
	case "":
		d.problemAt("type", ErrMissing)
	default:
		if !isEventType(docType) {
			d.problemAt("type", classed(ErrInvalidValue, "unknown document or event type %q", docType))
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
	return d.forEachUniqueKey(func(key string) error {
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
	return d.forEachUniqueKey(func(key string) error {
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
			return d.forEachUniqueKey(func(key string) error {
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
