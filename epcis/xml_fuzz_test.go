package epcis

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// FuzzDecodeXML feeds arbitrary bytes to DecodeXML, seeded with every XML
// example of the shared test data and our fixtures. It checks that:
//   - the decoder neither panics nor hangs (the fuzzer's own checks) and
//     stays within small limits, so a bomb cannot allocate without bound;
//   - whatever the scanner accepts, encoding/xml accepts too and reads as the
//     same tree (names, namespaces, attributes, text): the hand-written
//     scanner is never more lenient than the standard library;
//   - an accepted document survives EncodeXML and EncodeXML12 with the same
//     model.
func FuzzDecodeXML(f *testing.F) {
	for _, dir := range []string{"epcis2-examples", "epcis12-xml", "epcis-event-hash"} {
		root := filepath.Join(testenv.TestdataDir(f), dir)
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
				if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
					f.Add(b)
				}
			}
			return nil
		})
	}
	for _, c := range xmlBenchCases() {
		if len(c.doc) < 64<<10 { // big seeds slow every mutation down
			f.Add(c.doc)
		}
	}
	f.Add([]byte(`<a xmlns:p="u"><p:b p:c="&lt;&#x41;"><![CDATA[x<y]]>z</p:b></a>`))

	limits := Limits{MaxDocumentBytes: 1 << 20, MaxEvents: 1000, MaxEPCsPerEvent: 1000, MaxDepth: 32}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := (&XMLDecoder{Limits: limits}).Decode(bytes.NewReader(data))
		var xe *XMLError
		if err != nil && !errors.As(err, &xe) {
			t.Fatalf("error is not an *XMLError: %v", err)
		}
		src := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if tree, _, perr := parseXMLTree(src, limits.MaxDepth); perr == nil {
			std, serr := stdXMLTree(src)
			if serr != nil {
				t.Fatalf("scanner accepted what encoding/xml rejects (%v)", serr)
			}
			if diff := diffXMLTrees(tree, std, "/"); diff != "" {
				t.Fatalf("scanner and encoding/xml read different trees: %s", diff)
			}
		}
		if err != nil {
			return
		}
		for i, enc := range []func(io.Writer, *Document) error{EncodeXML, EncodeXML12} {
			var buf bytes.Buffer
			if err := enc(&buf, d); err != nil {
				t.Fatalf("encode a decoded document: %v", err)
			}
			again, err := (&XMLDecoder{Limits: Limits{MaxDocumentBytes: 8 << 20, MaxEvents: 1000, MaxEPCsPerEvent: 1000, MaxDepth: 40}}).Decode(&buf)
			if err != nil {
				t.Fatalf("decode own output: %v", err)
			}
			want := xmlComparableDoc(d)
			if i == 1 {
				// EPCIS 1.2 names the CBV master data namespace without
				// the JSON-LD context's trailing colon.
				walkDocumentElements(want, func(el *Element) {
					el.Space = xmlSpace(el.Space)
					for j := range el.Attrs {
						el.Attrs[j].Space = xmlSpace(el.Attrs[j].Space)
					}
				})
			}
			want.SchemaVersion, again.SchemaVersion = "", ""
			assertSameXMLModel(t, want, again)
		}
	})
}

// stdXMLTree reads src with encoding/xml's Token (namespace-aware, strict)
// into the same tree shape parseXMLTree builds.
func stdXMLTree(src []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	var root *xmlNode
	var stack []*xmlNode
	var texts [][]byte
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if root == nil {
				return nil, errors.New("no root")
			}
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{Space: t.Name.Space, Local: t.Name.Local}
			if (n.Space == NSEPCIS1 || n.Space == NSEPCIS2) && !isDocumentElement(n.Local) {
				n.Space = ""
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				if a.Name.Space == "xml" {
					a.Name.Space = xmlNamespaceURI
				}
				n.Attrs = append(n.Attrs, a)
			}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
			texts = append(texts, nil)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.Text = string(bytes.TrimSpace(texts[len(texts)-1]))
			stack, texts = stack[:len(stack)-1], texts[:len(texts)-1]
		case xml.CharData:
			if len(stack) > 0 {
				texts[len(texts)-1] = append(texts[len(texts)-1], t...)
			}
		}
	}
}

// diffXMLTrees describes the first difference between two trees, "" if none.
func diffXMLTrees(a, b *xmlNode, path string) string {
	path += a.Local
	switch {
	case a.Space != b.Space || a.Local != b.Local:
		return path + ": name {" + a.Space + "}" + a.Local + " vs {" + b.Space + "}" + b.Local
	case a.Text != b.Text:
		return path + ": text " + a.Text + " vs " + b.Text
	case len(a.Attrs) != len(b.Attrs):
		return path + ": attribute count differs"
	case len(a.Children) != len(b.Children):
		return path + ": child count differs"
	}
	for i := range a.Attrs {
		if a.Attrs[i] != b.Attrs[i] {
			return path + ": attribute " + a.Attrs[i].Name.Local + " differs"
		}
	}
	for i := range a.Children {
		if d := diffXMLTrees(a.Children[i], b.Children[i], path+"/"); d != "" {
			return d
		}
	}
	return ""
}

// TestXML12NamesCBVMasterDataAsEPCIS12: an ILMD decoded from JSON-LD
// (cbvmda: is urn:epcglobal:cbv:mda: there) is written to EPCIS 1.2 in
// 1.2's namespace, urn:epcglobal:cbv:mda, which 1.2 receivers match, and
// to 2.0 XML as decoded, which keeps its hash ID.
func TestXML12NamesCBVMasterDataAsEPCIS12(t *testing.T) {
	doc := []byte(`{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"cbvmda":"urn:epcglobal:cbv:mda:"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-01T00:00:00Z",
"epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-11-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0312345.067890.1"],
"action":"ADD","bizStep":"commissioning","ilmd":{"cbvmda:lotNumber":"L1","cbvmda:itemExpirationDate":"2028-06-30"}}]}}`)
	d, err := DecodeJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var v12, v20 bytes.Buffer
	if err := EncodeXML12(&v12, d); err != nil {
		t.Fatal(err)
	}
	if err := EncodeXML(&v20, d); err != nil {
		t.Fatal(err)
	}
	// The document declares cbvmda itself, as GS1 US examples do.
	if !bytes.Contains(v12.Bytes(), []byte(`xmlns:cbvmda="urn:epcglobal:cbv:mda"`)) || !bytes.Contains(v12.Bytes(), []byte(`<cbvmda:lotNumber>L1</cbvmda:lotNumber>`)) ||
		bytes.Contains(v12.Bytes(), []byte(`urn:epcglobal:cbv:mda:`)) {
		t.Fatalf("EPCIS 1.2 output:\n%s", v12.Bytes())
	}
	back, err := DecodeXML(&v20)
	if err != nil {
		t.Fatal(err)
	}
	h1, err1 := HashID(&d.Events[0])
	h2, err2 := HashID(&back.Events[0])
	if err1 != nil || err2 != nil || h1 != h2 {
		t.Fatalf("2.0 XML changed the hash ID: %s %s (%v %v)", h1, h2, err1, err2)
	}
}
