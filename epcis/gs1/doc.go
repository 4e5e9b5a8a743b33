// Package gs1 handles GS1 identifiers and the strings that carry them: check
// digits, GTIN and NDC conversion, the Application Identifier (AI) table derived
// from the GS1 Barcode Syntax Dictionary, barcode scan data (GS1 DataMatrix, QR,
// GS1-128 and their human-readable bracketed form), GS1 Digital Link URIs and
// EPC pure-identity URNs.
//
// The package uses only the standard library and no regular expressions; the
// parsers work byte by byte on ASCII input and reject anything longer than
// MaxInputLen before looking at it.
package gs1

// MaxInputLen is the longest input, in bytes, that the parsers in this package
// accept. A GS1 DataMatrix holds at most 2335 alphanumeric characters and a
// Digital Link URI is meant to fit in a QR code, so 4096 leaves room for
// stand-in separators while bounding the work done on hostile input.
const MaxInputLen = 4096

// MaxElements is the most AIs the parsers accept in one input. Real barcodes
// carry a handful; the cap keeps the association checks (quadratic in the
// number of elements) cheap on hostile input.
const MaxElements = 100
