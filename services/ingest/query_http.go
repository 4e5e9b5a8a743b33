package ingest

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"rxledger/epcis"
	"rxledger/epcis/gs1"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// Media types of query answers.
const (
	mediaJSONLD = "application/ld+json"
	mediaXML    = "application/xml"
)

// simpleEventQuery names the query the events endpoint answers.
const simpleEventQuery = "SimpleEventQuery"

// handleQuery is GET /epcis/events: the events the caller may see that
// match the standard query parameters, a page at a time. The next page's
// URL is in the Link header (rel="next"); its nextPageToken is opaque and
// signed for this query and organisation.
func (s *Service) handleQuery(c *gin.Context) {
	form, ok := answerFormOf(c)
	if !ok {
		return
	}
	p, _ := auth.PrincipalOf(c)
	ctx, span := s.cfg.Tracer.Start(c.Request.Context(), "ingest.query", trace.WithAttributes(attribute.String("org", p.Org)))
	defer span.End()
	params := queryValues(c.Request.URL.RawQuery)
	ext, err := extensionPrefixes(c.GetHeader(HeaderExtensions))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	q, err := parseQuery(params, ext, s.cfg.DefaultPerPage, s.cfg.MaxPerPage)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	var st pageState
	if q.token != "" {
		if st, err = s.tokens.open(q.token, q.fingerprint, p.Org); err != nil {
			httpx.Fail(c, problem.New(problem.Invalid, "query parameter nextPageToken: %v", err).At(problem.Location{Field: "nextPageToken"}))
			return
		}
	}
	var hits []hit
	var next *pageState
	err = s.idx.view(func() (err error) {
		hits, next, err = s.page(q, p, st, q.token == "")
		return err
	})
	if err != nil {
		if !problem.Is(err, problem.TooLarge) {
			s.log.ErrorContext(ctx, "query the index", "error", err)
		}
		httpx.Fail(c, err)
		return
	}
	span.SetAttributes(attribute.Int("query.events", len(hits)))
	if next != nil {
		link := url.Values{}
		for k, v := range params {
			if k != "nextPageToken" {
				link[k] = v
			}
		}
		link.Set("nextPageToken", s.tokens.issue(*next, q.fingerprint, p.Org))
		c.Header("Link", "<"+c.Request.URL.Path+"?"+link.Encode()+`>; rel="next"`)
	}
	s.answer(c, hits, form)
}

// handleEvent is GET /epcis/events/{eventID}: one event by its GS1 hash ID
// (URL-encoded) or the eventID it was captured with, as an EPCIS query
// document holding it. An event the caller may not see is answered as
// unknown, so its existence does not leak. The route takes no query
// parameters, so a query string is the rest of an ID sent unencoded: a hash
// ID pasted as written, "ni:///sha-256;...?ver=CBV2.0".
func (s *Service) handleEvent(c *gin.Context) {
	form, formOK := answerFormOf(c)
	if !formOK {
		return
	}
	p, _ := auth.PrincipalOf(c)
	id := strings.TrimPrefix(c.Param("eventID"), "/")
	if q := c.Request.URL.RawQuery; id != "" && q != "" {
		if uq, err := url.PathUnescape(q); err == nil {
			q = uq
		}
		id += "?" + q
	}
	if id == "" {
		httpx.Fail(c, problem.New(problem.NotFound, "an event ID is required: /epcis/events/{eventID}"))
		return
	}
	notFound := problem.New(problem.NotFound, "no event %q", id)
	var h hit
	var ok bool
	err := s.idx.view(func() error {
		seqs, err := s.idx.lookup(id)
		if err != nil {
			return err
		}
		for _, seq := range seqs {
			if h, ok, err = s.match(&query{}, p, seq); err != nil || ok {
				return err
			}
		}
		return nil
	})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	if !ok {
		httpx.Fail(c, notFound)
		return
	}
	s.answer(c, []hit{h}, form)
}

// GS1-EPC-Format, the REST binding's header for the form of identifiers in
// an answer, and the values this repository takes. Without the header an
// answer keeps identifiers as captured (Never_Translates); the binding's
// default would be Always_GS1_Digital_Link.
const (
	HeaderEPCFormat       = "GS1-EPC-Format"
	EPCFormatNoPreference = "No_Preference"
	EPCFormatDigitalLink  = "Always_GS1_Digital_Link"
	EPCFormatURN          = "Always_EPC_URN"
	EPCFormatAsCaptured   = "Never_Translates"
)

// epcFormat reads the GS1-EPC-Format header: the form an answer's
// identifiers are written in (EPCFormatAsCaptured for none or
// No_Preference). Another value is a 400 naming the header.
func epcFormat(c *gin.Context) (string, bool) {
	switch v := strings.TrimSpace(c.GetHeader(HeaderEPCFormat)); v {
	case "", EPCFormatNoPreference, EPCFormatAsCaptured:
		return EPCFormatAsCaptured, true
	case EPCFormatDigitalLink, EPCFormatURN:
		return v, true
	default:
		httpx.Fail(c, problem.New(problem.Invalid, "header %s: %q is not %s, %s, %s or %s", HeaderEPCFormat, v,
			EPCFormatNoPreference, EPCFormatDigitalLink, EPCFormatURN, EPCFormatAsCaptured).At(problem.Location{Field: HeaderEPCFormat}))
		return "", false
	}
}

// HeaderExtensions is the REST binding's GS1-Extensions header: the
// namespace prefixes a request uses in the names of extension fields
// ("example=http://ns.example.com/epcis/, ex2=urn:example:ns").
const HeaderExtensions = "GS1-Extensions"

// extensionPrefixes reads a GS1-Extensions header into its prefixes and
// namespace URIs; an entry that is not prefix=URI is a 400 naming the
// header.
func extensionPrefixes(header string) (map[string]string, error) {
	ext := map[string]string{}
	for _, entry := range strings.Split(header, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		prefix, uri, ok := strings.Cut(entry, "=")
		prefix, uri = strings.TrimSpace(prefix), strings.TrimSpace(uri)
		if !ok || prefix == "" || uri == "" || strings.ContainsAny(prefix, ":#") {
			return nil, problem.New(problem.Invalid, "header %s: %q is not prefix=namespace URI", HeaderExtensions, entry).
				At(problem.Location{Field: HeaderExtensions})
		}
		ext[prefix] = uri
	}
	return ext, nil
}

// GS1-CBV-XML-Format, the REST binding's header for the form of CBV values
// in an XML answer, and the values it takes. No_Preference leaves the
// choice to the service, which writes URNs, as without the header.
// Never_Translates asks for values as captured; the model keeps a standard
// CBV value as its bare word, not the form it came in, so such an answer is
// written in URNs too. JSON-LD answers write standard values as bare words
// (the EPCIS context expands them) whatever the header says.
const (
	HeaderCBVXMLFormat          = "GS1-CBV-XML-Format"
	CBVXMLFormatNoPreference    = "No_Preference"
	CBVXMLFormatWebURI          = "Always_Web_URI"
	CBVXMLFormatURN             = "Always_URN"
	CBVXMLFormatNeverTranslates = "Never_Translates"
)

// cbvXMLFormat reads the GS1-CBV-XML-Format header: the form an XML
// answer's CBV values are written in (CBVXMLFormatURN or
// CBVXMLFormatWebURI). Another value is a 400 naming the header, whatever
// the answer's media type.
func cbvXMLFormat(c *gin.Context) (string, bool) {
	switch v := strings.TrimSpace(c.GetHeader(HeaderCBVXMLFormat)); v {
	case "", CBVXMLFormatNoPreference, CBVXMLFormatURN, CBVXMLFormatNeverTranslates:
		return CBVXMLFormatURN, true
	case CBVXMLFormatWebURI:
		return v, true
	default:
		httpx.Fail(c, problem.New(problem.Invalid, "header %s: %q is not %s, %s, %s or %s", HeaderCBVXMLFormat, v,
			CBVXMLFormatNoPreference, CBVXMLFormatWebURI, CBVXMLFormatURN, CBVXMLFormatNeverTranslates).At(problem.Location{Field: HeaderCBVXMLFormat}))
		return "", false
	}
}

// answerForm is how a query answer is written: EPCIS 2.0 XML or JSON-LD
// (acceptable), identifiers in epcFormat, and in XML CBV values in
// cbvFormat.
type answerForm struct {
	xml       bool
	epcFormat string
	cbvFormat string
}

// answerFormOf reads the request's Accept, GS1-EPC-Format and
// GS1-CBV-XML-Format headers; a header that takes no answer this service
// writes has been answered with a problem (ok false).
func answerFormOf(c *gin.Context) (form answerForm, ok bool) {
	if form.xml, ok = acceptable(c); !ok {
		return form, false
	}
	if form.epcFormat, ok = epcFormat(c); !ok {
		return form, false
	}
	form.cbvFormat, ok = cbvXMLFormat(c)
	return form, ok
}

// answer writes events as an EPCISQueryDocument in form. EPC URNs need
// each identifier's GS1 Company Prefix length, which the company prefixes
// regulators attest to partners give; an identifier under none of them
// stays a Digital Link.
func (s *Service) answer(c *gin.Context, hits []hit, form answerForm) {
	doc := &epcis.Document{
		SchemaVersion: "2.0",
		CreationDate:  time.Now().UTC(),
		Query:         &epcis.QueryResults{QueryName: simpleEventQuery},
		Events:        make([]epcis.Event, len(hits)),
	}
	for i := range hits {
		e := hits[i].ev
		if e.EventID == "" {
			e.EventID = hits[i].rec.HashID
		}
		if e.RecordTime == nil {
			rt := hits[i].rec.RecordTime
			e.RecordTime = &rt
		}
		doc.Events[i] = e
	}
	switch form.epcFormat {
	case EPCFormatDigitalLink:
		epcis.ConvertIdentifiers(doc, false, gs1.EPCToDigitalLink)
	case EPCFormatURN:
		// A URN the event was captured with goes through a Digital Link
		// first, so that every identifier is written one way.
		epcis.ConvertIdentifiers(doc, false, gs1.EPCToDigitalLink)
		prefixes, err := s.idx.companyPrefixes()
		if err != nil {
			httpx.Fail(c, err)
			return
		}
		epcis.ConvertIdentifiers(doc, true, func(dl string) (string, error) { return gs1.DigitalLinkToEPCFor(dl, prefixes) })
	}
	var buf bytes.Buffer
	media := mediaJSONLD
	var err error
	if form.xml {
		media = mediaXML
		err = epcis.EncodeXMLWith(&buf, doc, epcis.XMLOptions{CBVWebURIs: form.cbvFormat == CBVXMLFormatWebURI})
	} else {
		err = epcis.EncodeJSON(&buf, doc)
	}
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Header(HeaderEPCISVersion, "2.0.0")
	c.Header(HeaderCBVVersion, "2.0.0")
	c.Header(HeaderEPCFormat, form.epcFormat)
	if form.xml {
		// Which form the CBV values were written in; a JSON-LD answer's
		// bare words have none to tell.
		c.Header(HeaderCBVXMLFormat, form.cbvFormat)
	}
	c.Header("Content-Length", strconv.Itoa(buf.Len()))
	c.Data(http.StatusOK, media, buf.Bytes())
}

// acceptable reads the Accept header once: it reports whether the answer
// is to be XML and, answering 406 naming the media types a query answer
// has when the header takes neither, whether the handler may go on.
func acceptable(c *gin.Context) (xml, ok bool) {
	if xml, ok = negotiate(c.GetHeader("Accept")); ok {
		return xml, true
	}
	httpx.Fail(c, problem.New(problem.NotAcceptable,
		"a query answer is an EPCIS query document in %s (JSON-LD) or %s (EPCIS 2.0 XML); the Accept header takes neither", mediaJSONLD, mediaXML).
		At(problem.Location{Field: "Accept"}))
	return false, false
}

// negotiate reads an Accept header. xml: an XML type has a higher quality
// than any JSON type, or the same and is listed first. ok: the header
// takes JSON-LD or XML; an empty header, or one without a type that
// parses, takes JSON-LD.
func negotiate(accept string) (xml, ok bool) {
	bestJSON, bestXML := -1.0, -1.0
	named, seen, xmlFirst := false, false, false
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		named = true
		qv := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				qv = f
			}
		}
		switch {
		case isXML(mt):
			bestXML = max(bestXML, qv)
			if !seen {
				seen, xmlFirst = true, true
			}
		case isJSON(mt):
			bestJSON = max(bestJSON, qv)
			seen = true
		}
	}
	xml = bestXML > 0 && (bestXML > bestJSON || bestXML == bestJSON && xmlFirst)
	return xml, !named || bestJSON > 0 || bestXML > 0
}

func isXML(mt string) bool { return mt == "application/xml" || mt == "text/xml" || mt == "text/*" }
func isJSON(mt string) bool {
	return mt == "application/ld+json" || mt == "application/json" || mt == "*/*" || mt == "application/*"
}
