package epcis

import "strings"

// CBVKind names one vocabulary of the GS1 Core Business Vocabulary (CBV 2.0).
type CBVKind int

// The CBV vocabularies an event refers to. BizStep to ErrorReason exist since
// CBV 1.x and have URN forms (urn:epcglobal:cbv:...); the sensor vocabularies
// are new in CBV 2.0 and have web URIs only.
const (
	BizStep               CBVKind = iota + 1 // urn:epcglobal:cbv:bizstep:, cbv:BizStep-
	Disposition                              // urn:epcglobal:cbv:disp:, cbv:Disp-
	BizTransactionType                       // urn:epcglobal:cbv:btt:, cbv:BTT-
	SourceDestType                           // urn:epcglobal:cbv:sdt:, cbv:SDT-
	ErrorReason                              // urn:epcglobal:cbv:er:, cbv:ER-
	SensorMeasurementType                    // gs1:Temperature (https://gs1.org/voc/)
	SensorComponent                          // cbv:Comp-x
	SensorException                          // gs1:ALARM_CONDITION
)

// Namespaces of the CBV web vocabulary and of the GS1 web vocabulary. The
// EPCIS 2.0 JSON-LD context binds gs1: to gs1VocPrefix, the form the event
// hash uses; the GS1 Web Vocabulary itself is now published under
// gs1RefVocPrefix, which ShortCBV reads as the same namespace.
const (
	cbvWebPrefix    = "https://ref.gs1.org/cbv/"
	gs1VocPrefix    = "https://gs1.org/voc/"
	gs1RefVocPrefix = "https://ref.gs1.org/voc/"
)

// cbvVocabulary describes how one CBVKind is written.
type cbvVocabulary struct {
	urnPrefix string // "urn:epcglobal:cbv:bizstep:"; empty when the kind has no URN form
	webPrefix string // namespace of the web URI: cbvWebPrefix or gs1VocPrefix
	term      string // term prefix inside that namespace: "BizStep-", "" for gs1 terms
	values    map[string]struct{}
	web, urn  map[string]string // short value -> web URI / URN form, precomputed
}

// withForms precomputes the web URI and URN of every value, so that the
// hot path (hashing, encoding) does not build them per call.
func (voc cbvVocabulary) withForms() cbvVocabulary {
	voc.web = make(map[string]string, len(voc.values))
	voc.urn = make(map[string]string, len(voc.values))
	for v := range voc.values {
		voc.web[v] = voc.webPrefix + voc.term + v
		if voc.urnPrefix != "" {
			voc.urn[v] = voc.urnPrefix + v
		} else {
			voc.urn[v] = voc.web[v]
		}
	}
	return voc
}

func (k CBVKind) vocabulary() *cbvVocabulary {
	switch k {
	case BizStep:
		return &bizStepVocabulary
	case Disposition:
		return &dispositionVocabulary
	case BizTransactionType:
		return &bttVocabulary
	case SourceDestType:
		return &sdtVocabulary
	case ErrorReason:
		return &errorReasonVocabulary
	case SensorMeasurementType:
		return &measurementTypeVocabulary
	case SensorComponent:
		return &componentVocabulary
	case SensorException:
		return &exceptionVocabulary
	}
	return nil
}

// String returns the vocabulary's name as the CBV standard spells it.
func (k CBVKind) String() string {
	switch k {
	case BizStep:
		return "BizStep"
	case Disposition:
		return "Disposition"
	case BizTransactionType:
		return "BizTransactionType"
	case SourceDestType:
		return "SourceDestType"
	case ErrorReason:
		return "ErrorReason"
	case SensorMeasurementType:
		return "MeasurementType"
	case SensorComponent:
		return "Component"
	case SensorException:
		return "SensorAlertType"
	}
	return "CBVKind(?)"
}

// ShortCBV returns the bare CBV word ("shipping") for a standard CBV 2.0 value
// written in any of its forms: the bare word, the URN
// (urn:epcglobal:cbv:bizstep:shipping), the web URI
// (https://ref.gs1.org/cbv/BizStep-shipping, also with http://; GS1 terms
// under https://gs1.org/voc/ or https://ref.gs1.org/voc/) or the CURIE
// (cbv:BizStep-shipping, gs1:Temperature). Any other value is returned
// unchanged, so a custom URI survives.
func ShortCBV(kind CBVKind, v string) string {
	voc := kind.vocabulary()
	if voc == nil {
		return v
	}
	if _, ok := voc.values[v]; ok {
		return v
	}
	word, ok := voc.strip(v)
	if !ok {
		return v
	}
	if _, ok := voc.values[word]; ok {
		return word
	}
	return v
}

// strip removes any of the kind's URN, web URI or CURIE prefixes from v.
func (voc *cbvVocabulary) strip(v string) (string, bool) {
	if voc.urnPrefix != "" && hasPrefixFold(v, voc.urnPrefix) {
		return v[len(voc.urnPrefix):], true
	}
	rest, ok := "", false
	switch {
	case hasPrefixFold(v, "https://ref.gs1.org/cbv/"):
		rest, ok = v[len("https://ref.gs1.org/cbv/"):], voc.webPrefix == cbvWebPrefix
	case hasPrefixFold(v, "http://ref.gs1.org/cbv/"):
		rest, ok = v[len("http://ref.gs1.org/cbv/"):], voc.webPrefix == cbvWebPrefix
	case strings.HasPrefix(v, "cbv:"):
		rest, ok = v[len("cbv:"):], voc.webPrefix == cbvWebPrefix
	case hasPrefixFold(v, "https://gs1.org/voc/"):
		rest, ok = v[len("https://gs1.org/voc/"):], true
	case hasPrefixFold(v, "http://gs1.org/voc/"):
		rest, ok = v[len("http://gs1.org/voc/"):], true
	case hasPrefixFold(v, gs1RefVocPrefix):
		rest, ok = v[len(gs1RefVocPrefix):], voc.webPrefix == gs1VocPrefix
	case hasPrefixFold(v, "http://ref.gs1.org/voc/"):
		rest, ok = v[len("http://ref.gs1.org/voc/"):], voc.webPrefix == gs1VocPrefix
	case strings.HasPrefix(v, "gs1:"):
		rest, ok = v[len("gs1:"):], true
	}
	if !ok {
		return "", false
	}
	if voc.term == "" {
		return rest, true
	}
	if !strings.HasPrefix(rest, voc.term) {
		return "", false
	}
	return rest[len(voc.term):], true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// IsStandardCBV reports whether short is a value of the CBV 2.0 vocabulary kind
// in its short form (as returned by ShortCBV).
func IsStandardCBV(kind CBVKind, short string) bool {
	voc := kind.vocabulary()
	if voc == nil {
		return false
	}
	_, ok := voc.values[short]
	return ok
}

// CBVURN returns the URN form of a standard CBV value
// (urn:epcglobal:cbv:bizstep:shipping), as EPCIS 1.2 and 2.0 XML write it. A
// value that is not a standard short value is returned unchanged. The CBV 2.0
// sensor vocabularies have no URN form; for them CBVURN returns the web URI.
func CBVURN(kind CBVKind, short string) string {
	voc := kind.vocabulary()
	if voc == nil {
		return short
	}
	if u, ok := voc.urn[short]; ok {
		return u
	}
	return short
}

// CBVWebURI returns the web URI of a standard CBV value
// (https://ref.gs1.org/cbv/BizStep-shipping, https://gs1.org/voc/Temperature),
// the form the event hash ID uses. A value that is not a standard short value
// is returned unchanged.
func CBVWebURI(kind CBVKind, short string) string {
	voc := kind.vocabulary()
	if voc == nil {
		return short
	}
	if w, ok := voc.web[short]; ok {
		return w
	}
	return short
}

func wordSet(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
