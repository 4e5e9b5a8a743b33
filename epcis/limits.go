package epcis

import (
	"errors"
	"fmt"
)

// ErrTooLarge is matched (errors.Is) by every error that reports an input over
// one of the Limits, so callers can answer "payload too large" rather than
// "invalid".
var ErrTooLarge = errors.New("epcis: limit exceeded")

// Limits bound what a decoder accepts, so that a hostile or broken document
// cannot exhaust memory or stack. A zero field means "use the default".
type Limits struct {
	// MaxDocumentBytes is the largest document accepted, in bytes.
	MaxDocumentBytes int64
	// MaxEvents is the largest number of events in one document.
	MaxEvents int
	// MaxEPCsPerEvent bounds each identifier list of an event (epcList,
	// childEPCs, inputEPCList, outputEPCList) and each quantity list.
	MaxEPCsPerEvent int
	// MaxDepth bounds the nesting of objects and arrays (JSON) or elements
	// (XML), which in practice bounds user extensions.
	MaxDepth int
}

// Default limits: generous for real DSCSA traffic (a pallet of a few thousand
// packs, documents of tens of thousands of events), small enough to refuse abuse.
const (
	DefaultMaxDocumentBytes int64 = 64 << 20
	DefaultMaxEvents              = 100_000
	DefaultMaxEPCsPerEvent        = 50_000
	DefaultMaxDepth               = 32
)

// DefaultLimits are the limits the package-level decoders apply.
var DefaultLimits = Limits{
	MaxDocumentBytes: DefaultMaxDocumentBytes,
	MaxEvents:        DefaultMaxEvents,
	MaxEPCsPerEvent:  DefaultMaxEPCsPerEvent,
	MaxDepth:         DefaultMaxDepth,
}

// withDefaults returns l with every zero field replaced by its default.
func (l Limits) withDefaults() Limits {
	if l.MaxDocumentBytes <= 0 {
		l.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxEvents
	}
	if l.MaxEPCsPerEvent <= 0 {
		l.MaxEPCsPerEvent = DefaultMaxEPCsPerEvent
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// limitErr returns an error that matches ErrTooLarge and says which limit.
func limitErr(what string, limit int64) error {
	return fmt.Errorf("%w: %s exceeds %d", ErrTooLarge, what, limit)
}
