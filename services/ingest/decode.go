package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strconv"
	"strings"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/platform/problem"
)

// maxWhere bounds the locations one problem lists.
const maxWhere = 100

// errUnsupportedMediaType marks a capture whose Content-Type names no
// EPCIS binding.
var errUnsupportedMediaType = errors.New("unsupported media type")

// format is the binding a capture document was written in.
type format string

const (
	formatJSON  format = "EPCIS 2.0 JSON-LD"
	formatXML20 format = "EPCIS 2.0 XML"
	formatXML12 format = "EPCIS 1.2 XML"
)

// mediaKind tells JSON from XML by the Content-Type.
func mediaKind(contentType string) (string, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", problem.Wrap(problem.Invalid, errUnsupportedMediaType,
			"Content-Type %q is not a media type; send application/ld+json, application/json, application/xml or text/xml", contentType)
	}
	switch mt {
	case "application/ld+json", "application/json":
		return "json", nil
	case "application/xml", "text/xml":
		return "xml", nil
	}
	return "", problem.Wrap(problem.Invalid, errUnsupportedMediaType,
		"Content-Type %s is not an EPCIS capture binding; send application/ld+json, application/json, application/xml or text/xml", mt)
}

// decodeDocument decodes and validates a capture document. Problems are an
// Invalid *problem.Error (TooLarge above the limits) that lists where each
// one is: event index, field path and, for XML, line and column.
func decodeDocument(kind string, body []byte, lim epcis.Limits) (*epcis.Document, format, error) {
	var (
		doc *epcis.Document
		pos []epcis.XMLPosition
		err error
		f   = formatJSON
	)
	if kind == "xml" {
		f = xmlVersion(body)
		doc, pos, err = (&epcis.XMLDecoder{Limits: lim}).DecodeWithPositions(bytes.NewReader(body))
	} else {
		doc, err = epcis.JSONDecoder{Limits: lim}.DecodeAndValidateBytes(body)
	}
	if err != nil {
		return nil, f, documentProblem(f, err, pos, body)
	}
	switch {
	case doc.Query != nil || doc.Poll != nil:
		return nil, f, problem.New(problem.Invalid, "an EPCISQueryDocument cannot be captured; send an EPCISDocument")
	case len(doc.Events) == 0:
		return nil, f, problem.New(problem.Invalid, "the document holds no events").
			At(problem.Location{Field: "epcisBody.eventList"})
	}
	if kind == "xml" {
		if err := doc.Validate(); err != nil {
			return nil, f, documentProblem(f, err, pos, body)
		}
	}
	if err := checkEvents(doc, pos); err != nil {
		return nil, f, err
	}
	return doc, f, nil
}

// checkEvents runs the chaincode's checks that read no ledger state
// (chaincode.CheckEvent: an item listed twice, a lot or expiry date given
// twice or malformed, ...) on every event, so that a document they refuse
// is a 400 naming each such event now, not a job that fails after the 202.
func checkEvents(doc *epcis.Document, pos []epcis.XMLPosition) error {
	var (
		where      []problem.Location
		first      *chaincode.RuleError
		firstEvent int
		n          int
	)
	for i := range doc.Events {
		err := chaincode.CheckEvent(i, &doc.Events[i])
		if err == nil {
			continue
		}
		var re *chaincode.RuleError
		if !errors.As(err, &re) {
			return err
		}
		n++
		if first == nil {
			first, firstEvent = re, i
		}
		if len(where) < maxWhere {
			loc := problem.Location{Index: problem.Index(i), Detail: re.Detail}
			if i < len(pos) {
				loc.Line, loc.Column = pos[i].Line, pos[i].Column
			}
			where = append(where, loc)
		}
	}
	if first == nil {
		return nil
	}
	detail := fmt.Sprintf("event %d is refused (%s): %s", firstEvent, first.Rule, first.Detail)
	if n > 1 {
		detail = fmt.Sprintf("%d events are refused; the first, %s", n, detail)
	}
	return &problem.Error{Code: problem.Invalid, Rule: first.Rule, Detail: detail, Where: where}
}

// xmlVersion tells EPCIS 1.2 from 2.0 XML by the namespace the document
// declares (the decoder accepts both; the job reports which it was).
func xmlVersion(body []byte) format {
	head := body[:min(len(body), 4096)]
	if bytes.Contains(head, []byte(epcis.NSEPCIS1)) || bytes.Contains(head, []byte(epcis.NSEPCISQuery1)) {
		return formatXML12
	}
	return formatXML20
}

// documentProblem turns decoder and validator errors into one problem that
// says where each is.
func documentProblem(f format, err error, pos []epcis.XMLPosition, body []byte) *problem.Error {
	code := problem.Invalid
	if errors.Is(err, epcis.ErrTooLarge) {
		code = problem.TooLarge
	}
	var list []error
	var el epcis.ErrorList
	if errors.As(err, &el) {
		for _, e := range el {
			list = append(list, e)
		}
	} else {
		list = []error{err}
	}
	where := make([]problem.Location, 0, min(len(list), maxWhere))
	msgs := make([]string, 0, 3)
	for i, e := range list {
		if i < 3 {
			msgs = append(msgs, e.Error())
		}
		if i < maxWhere {
			if loc := locate(e, pos, body); loc != (problem.Location{}) {
				where = append(where, loc) // an error the decoder could not place adds no empty {}
			}
		}
	}
	detail := "the " + string(f) + " document is invalid: " + strings.Join(msgs, "; ")
	if len(list) > len(msgs) {
		detail += "; and more (see errors)"
	}
	if code == problem.TooLarge {
		detail = "the document exceeds a capture limit: " + strings.Join(msgs, "; ")
	}
	return &problem.Error{Code: code, Detail: detail, Where: where, Err: err}
}

// locate says where one decoder or validator error is.
func locate(err error, pos []epcis.XMLPosition, body []byte) problem.Location {
	var loc problem.Location
	var xe *epcis.XMLError
	var ee *epcis.Error
	switch {
	case errors.As(err, &xe):
		loc = problem.Location{Line: xe.Line, Column: xe.Column, Field: xe.Path}
		if xe.Event >= 0 {
			loc.Index = problem.Index(xe.Event)
		}
	case errors.As(err, &ee):
		loc.Field = ee.Path
		if ee.Event >= 0 {
			loc.Index = problem.Index(ee.Event)
			if ee.Event < len(pos) {
				loc.Line, loc.Column = pos[ee.Event].Line, pos[ee.Event].Column
			}
		}
	}
	if loc.Line == 0 {
		// Malformed JSON: the decoder names the byte offset in its message.
		if m := jsonOffset.FindStringSubmatch(err.Error()); m != nil {
			if off, perr := strconv.Atoi(m[1]); perr == nil {
				loc.Line, loc.Column = lineCol(body, off)
			}
		}
	}
	return loc
}

// jsonOffset finds the byte offset in the JSON decoder's syntax errors.
var jsonOffset = regexp.MustCompile(`invalid JSON at byte (\d+)`)

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	line, col = 1, 1
	for _, ch := range b[:off] {
		if ch == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
