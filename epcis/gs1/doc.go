// Package gs1 handles GS1 identifiers and the strings that carry them: check
// digits, GTIN and NDC conversion, the Application Identifier (AI) table
// generated from the GS1 Barcode Syntax Dictionary, barcode scan data (GS1
// DataMatrix, QR, GS1-128, DataBar and their human-readable bracketed form),
// GS1 Digital Link URIs and EPC URNs.
//
// # Entry points
//
//   - ParseBarcode: whatever a scanner or a person hands us (scanner output
//     with or without an AIM symbology identifier such as "]d2", FNC1 as the
//     GS byte or a common stand-in, "(01)..." text, or a Digital Link URI),
//     validated AI by AI and for AI associations.
//   - ParseElementString, ParseBracketed, ParseDigitalLink: one form each.
//   - GenerateDigitalLink, FormatElementString, FormatBracketed: the reverse.
//   - EPCToDigitalLink, DigitalLinkToEPC: EPC URN <-> Digital Link, as used
//     for EPCIS event hashing and EPCIS 1.2 <-> 2.0 conversion.
//   - NormalizeGTIN, ParseNDC, NDC.GTIN, NDCFromGTIN, ParseSSCC, ParseGLN,
//     NewSGTIN, PIFromElements: identifiers.
//   - LookupAI, AIDef.ValidateValue: the dictionary.
//
// # Errors and positions
//
// Parsers return *ParseError: the AI concerned (if any), a 0-based byte
// offset into the input as given, a stable Code (the GS1 linter error name
// in lower case, e.g. "incorrect_check_digit", or one of ours such as
// "unknown_ai") and a message. ValidateAssociations reports an element index
// instead of a byte offset. EPC and identifier functions wrap ErrInvalidEPC
// and ErrInvalidIdentifier.
//
// # Not supported
//
// Writing compressed Digital Link URIs (reading them, fully or partially
// compressed, is supported); the GS1 Company Prefix length table (so the
// gcppos linters are not applied, and DigitalLinkToEPC needs the prefix
// length, or DigitalLinkToEPCFor the partner's company prefixes); the
// package type (7041) linter, which needs the UN/ECE Recommendation 21 list.
//
// The package uses only the standard library and no regular expressions;
// the parsers work byte by byte and reject inputs longer than MaxInputLen,
// or holding more than MaxElements AIs, before doing any real work.
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
