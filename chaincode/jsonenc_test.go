package chaincode

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestSerialJSON: the hand encoder writes exactly what encoding/json writes.
func TestSerialJSON(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 123000000, time.UTC)
	tests := map[string]SerialRecord{
		"plain":            {GTIN: "00312345678906", Serial: "A1", Lot: "L1", Expiry: "2027-03-31", Custody: Custody{Owner: "M", Status: StatusActive, Updated: at}},
		"all set":          {GTIN: "00312345678906", Serial: `<&>"\'%`, Lot: "L\x01\n\t\r", Expiry: "2027-03-31", Custody: Custody{Owner: "M", Status: StatusInTransit, ShipTo: "W", Seller: "X", Parent: "https://id.gs1.org/00/1", Investigation: InvestigationSuspect, InvestigationBy: "R<g>", Updated: at}},
		"unicode":          {GTIN: "0", Serial: "é\u2028\u2029\xff", Custody: Custody{Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"case":             {GTIN: "10312345678903", Serial: "C1", Children: []string{"https://id.gs1.org/01/00312345678906/21/A", "x<y"}, Custody: Custody{Updated: at}},
		"transformed":      {GTIN: "00312345678906", Serial: "T1", Lot: "L1", Expiry: "2027-03-31", Custody: Custody{Owner: "M", Status: StatusTransformed, Updated: at}, Transformation: "ni:///sha-256;abc?ver=CBV2.0"},
		"case transformed": {GTIN: "10312345678903", Serial: "C2", Children: []string{"a"}, Custody: Custody{Updated: at}, Transformation: "x"},
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(&s)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.appendJSON(nil); string(got) != string(want) {
				t.Fatalf("\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestEventJSON: the hand-assembled chaincode event decodes as ChaincodeEvent.
func TestEventJSON(t *testing.T) {
	s := SerialRecord{GTIN: "00312345678906", Serial: "A1", Custody: Custody{Owner: "M", Status: StatusActive}}
	e := txEvent{TxID: "t1", Function: FnCapture, Creator: "M", Time: time.Unix(0, 0).UTC(), Serials: []json.RawMessage{s.appendJSON(nil)}}
	raw, err := e.marshal()
	if err != nil {
		t.Fatal(err)
	}
	ce, err := DecodeEvent(raw)
	if err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if ce.TxID != "t1" || len(ce.Serials) != 1 || ce.Serials[0].Serial != "A1" || ce.Lots == nil || len(ce.Lots) != 0 {
		t.Fatalf("%+v", ce)
	}
}

// TestSerialDecode: the fast decoder agrees with encoding/json, and odd
// input falls back to it.
func TestSerialDecode(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 123000000, time.UTC)
	recs := map[string]SerialRecord{
		"plain":        {GTIN: "00312345678906", Serial: "A1", Lot: "L1", Expiry: "2027-03-31", Custody: Custody{Owner: "M", Status: StatusActive, Updated: at}},
		"all set":      {GTIN: "00312345678906", Serial: "A&B", Lot: "L", Expiry: "2027-03-31", Custody: Custody{Owner: "M", Status: StatusInTransit, ShipTo: "W", Seller: "X", Parent: "https://id.gs1.org/00/1", Investigation: InvestigationSuspect, InvestigationBy: "RegulatorMSP", Updated: at}},
		"investigated": {GTIN: "00312345678906", Serial: "A2", Lot: "L", Expiry: "2027-03-31", Custody: Custody{Owner: "W", Status: StatusActive, Seller: "M", Investigation: InvestigationQuarantined, InvestigationBy: "RegulatorMSP", Updated: at}},
		"escaped":      {GTIN: "0", Serial: `"<q>"`, Custody: Custody{Updated: at}},
		"case":         {GTIN: "0", Serial: "C", Children: []string{"a", "b"}, Custody: Custody{Updated: at}},
		"output":       {GTIN: "0", Serial: "O", Lot: "L", Custody: Custody{Owner: "W", Status: StatusActive, Updated: at}, Transformation: "ni:///sha-256;abc?ver=CBV2.0"},
	}
	for name, want := range recs {
		t.Run(name, func(t *testing.T) {
			var got SerialRecord
			if err := decodeSerial(want.appendJSON(nil), &got); err != nil {
				t.Fatal(err)
			}
			if name == "plain" || name == "investigated" {
				var fast SerialRecord
				if !fastDecodeSerial(want.appendJSON(nil), &fast) {
					t.Fatalf("the fast path refused %s", want.appendJSON(nil))
				}
			}
			if !got.Updated.Equal(want.Updated) {
				t.Fatalf("time %v", got.Updated)
			}
			got.Updated = want.Updated
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("\n got %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("other field order", func(t *testing.T) {
		var got SerialRecord
		if err := decodeSerial([]byte(`{"serial":"Z","gtin":"1","owner":"O","updated":"2026-01-01T00:00:00Z"}`), &got); err != nil || got.Serial != "Z" || got.Owner != "O" {
			t.Fatalf("%+v %v", got, err)
		}
	})
}

// TestLotDecode: the fast lot decoder accepts what encoding/json writes for
// a lot and decodes it identically; whatever else it accepts, encoding/json
// decodes the same way, and the lot cache's result never depends on which
// path ran.
func TestLotDecode(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 123000000, time.UTC)
	recalledAt := time.Date(2026, 11, 2, 8, 30, 0, 0, time.FixedZone("", 3600))
	written := map[string]LotRecord{
		"plain":    {GTIN: "00312345678906", Lot: "L1", Expiry: "2027-03-31", Owner: "ManufacturerMSP", Updated: at},
		"recalled": {GTIN: "00312345678906", Lot: "L2", Expiry: "2027-03-31", Owner: "M", Recalled: true, RecallTime: &recalledAt, RecallReason: "contamination, batch 7", Updated: at},
		"reason":   {GTIN: "0", Lot: "L3", Recalled: true, RecallReason: "no time", Updated: at},
		"unicode":  {GTIN: "0", Lot: "é\u00a0Ω", Owner: "M", Updated: at},
	}
	for name, l := range written {
		raw, err := json.Marshal(&l)
		if err != nil {
			t.Fatal(err)
		}
		var fast LotRecord
		if !fastDecodeLot(raw, &fast) {
			t.Fatalf("%s: the fast path refused %s", name, raw)
		}
		agree(t, raw)
	}
	// Written by something else, or not decodable the same way: the fast
	// path must refuse these or agree with encoding/json.
	odd := []string{
		`{"gtin":"0","lot":"a<b","expiry":"","owner":"","recalled":false,"updated":"2026-01-01T00:00:00Z"}`,
		`{"gtin":"0","lot":"a\u003cb","expiry":"","owner":"","recalled":false,"updated":"2026-01-01T00:00:00Z"}`,
		`{"lot":"L","gtin":"0","expiry":"","owner":"","recalled":false,"updated":"2026-01-01T00:00:00Z"}`,
		`{"gtin":"0","lot":"L","expiry":"","owner":"","recalled":false,"extra":1,"updated":"2026-01-01T00:00:00Z"}`,
		`{"gtin":"0","lot":"L","expiry":"","owner":"","recalled":false,"updated":"2026-01-01T00:00:00Z"} `,
		`{"gtin":"0","lot":"L","expiry":"","owner":"","recalled":fals,"updated":"2026-01-01T00:00:00Z"}`,
		`{"gtin":"0","lot":"L","expiry":"","owner":"","recalled":false,"updated":"2026-1-01T00:00:00Z"}`,
		`{"gtin":"0","lot":"L","expiry":"","owner":"","recalled":false,"updated":"2026-01-01T24:00:00Z"}`,
		`{"gtin":"0","lot":"L","expiry":"","owner":"","recalled":true,"recallTime":null,"updated":"2026-01-01T00:00:00Z"}`,
		"{\"gtin\":\"0\",\"lot\":\"L\x01\",\"expiry\":\"\",\"owner\":\"\",\"recalled\":false,\"updated\":\"2026-01-01T00:00:00Z\"}",
		"{\"gtin\":\"0\",\"lot\":\"L\xff\",\"expiry\":\"\",\"owner\":\"\",\"recalled\":false,\"updated\":\"2026-01-01T00:00:00Z\"}",
		`{"gtin":"0","lot":"L","expiry":"","owner":"","recalled":false,"updated":"2026-01-01T00:00:00Z"`,
	}
	for _, s := range odd {
		agree(t, []byte(s))
	}
}

// agree checks that fastDecodeLot either refuses raw or decodes it exactly
// as encoding/json does.
func agree(t *testing.T, raw []byte) { agreeWith(t, raw, fastDecodeLot) }

// agreeBlock is agree for fastDecodeBlock.
func agreeBlock(t *testing.T, raw []byte) { agreeWith(t, raw, fastDecodeBlock) }

// agreeWith checks that fast either refuses raw or decodes it exactly as
// encoding/json does.
func agreeWith[T any](t *testing.T, raw []byte, fast func([]byte, *T) bool) {
	t.Helper()
	var got, want T
	ok := fast(raw, &got)
	err := json.Unmarshal(raw, &want)
	if !ok {
		return
	}
	if err != nil {
		t.Fatalf("fast path accepted what encoding/json refuses (%v): %s", err, raw)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\nfast %+v\njson %+v", raw, got, want)
	}
}

// TestBlockDecode: every block record the chaincode writes takes the fast
// path, and whatever the fast path accepts decodes as encoding/json does.
func TestBlockDecode(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 123000000, time.UTC)
	written := map[string]serialBlock{
		"one segment": {Segs: []blockSeg{{TxID: "t1", Time: at, Owner: "M", Lot: "L1", Expiry: "2027-03-31", Members: "0-999"}}},
		"own block":   {Segs: []blockSeg{{TxID: "t1", Time: at, Owner: "M", Lot: "L1", Expiry: "2027-03-31"}}},
		"mixed": {Segs: []blockSeg{
			{TxID: "t1", Time: at, Owner: "M", Lot: "L1", Expiry: "2027-03-31", Transformation: "ni:///sha-256;x", Members: "1,5-9"},
			{Own: true, Members: "10-12", Lots: []string{"L1", "é Ω"}},
		}},
	}
	for name, b := range written {
		raw, err := json.Marshal(&b)
		if err != nil {
			t.Fatal(err)
		}
		var fast serialBlock
		if !fastDecodeBlock(raw, &fast) {
			t.Fatalf("%s: the fast path refused %s", name, raw)
		}
		agreeBlock(t, raw)
	}
	seg := `{"tx":"t","time":"2026-01-01T00:00:00Z","owner":"M","lot":"L","expiry":"E"`
	odd := []string{
		`{"segs":null}`,
		`{"segs":[]}`,
		`{"segs":[` + seg + `}]} `,
		`{"segs":[` + seg + `,"members":"1"}` + `,` + seg + `}]}`,
		`{"segs":[` + seg + `,"own":false}]}`,
		`{"segs":[` + seg + `,"lots":[]}]}`,
		`{"segs":[` + seg + `,"lots":["a",]}]}`,
		`{"segs":[` + seg + `,"members":"1","transformation":"x"}]}`,
		`{"segs":[` + seg + `,"extra":1}]}`,
		`{"segs":[` + seg + `}],"x":1}`,
		`{"segs":[` + seg + `}`,
		`{"segs":[{"tx":"t","time":"2026-1-01T00:00:00Z","owner":"M","lot":"L","expiry":"E"}]}`,
		"{\"segs\":[{\"tx\":\"t\x01\",\"time\":\"2026-01-01T00:00:00Z\",\"owner\":\"M\",\"lot\":\"L\",\"expiry\":\"E\"}]}",
		`{"segs":[{"tx":"a\u003cb","time":"2026-01-01T00:00:00Z","owner":"M","lot":"L","expiry":"E"}]}`,
	}
	for _, s := range odd {
		agreeBlock(t, []byte(s))
	}
}

// FuzzBlockDecode: the fast block decoder refuses or agrees with
// encoding/json on any input.
func FuzzBlockDecode(f *testing.F) {
	f.Add([]byte(`{"segs":[{"tx":"t","time":"2026-01-01T00:00:00Z","owner":"M","lot":"L","expiry":"E","members":"0-9"},{"tx":"","time":"0001-01-01T00:00:00Z","owner":"","lot":"","expiry":"","members":"12","own":true,"lots":["L"]}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) { agreeBlock(t, raw) })
}

// TestVerifyRequestDecode: requests as the services write them take the
// fast path; whatever it accepts decodes as encoding/json does.
func TestVerifyRequestDecode(t *testing.T) {
	for _, r := range []VerifyRequest{
		{GTIN: "00312345678906", Serial: "100007"},
		{GTIN: "00312345678906", Serial: "A/1", Lot: "L1", Expiry: "280630", RequesterGLN: "0377777000008",
			CorrelationID: "c-1", Context: "dscsaSaleableReturn"},
		{GTIN: "0", Serial: "é", Context: "x"},
	} {
		raw, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		var fast VerifyRequest
		if !fastDecodeVerifyRequest(raw, &fast) || fast != r {
			t.Fatalf("fast path on %s: %+v", raw, fast)
		}
		agreeWith(t, raw, fastDecodeVerifyRequest)
	}
	for _, s := range []string{
		`{"gtin":"1","serialNumber":"2","context":"c","lotNumber":"l"}`,
		`{"serialNumber":"2","gtin":"1"}`,
		`{"gtin":"1","serialNumber":"2","lotNumber":null}`,
		`{"gtin":"1","serialNumber":"2","x":1}`,
		`{"gtin":"1","serialNumber":"a\u003cb"}`,
		`{"gtin":"1","serialNumber":"2"} `,
		`{"gtin":"1","serialNumber":"2"`,
	} {
		agreeWith(t, []byte(s), fastDecodeVerifyRequest)
	}
}

// FuzzVerifyRequestDecode: the fast request decoder refuses or agrees with
// encoding/json on any input.
func FuzzVerifyRequestDecode(f *testing.F) {
	f.Add([]byte(`{"gtin":"00312345678906","serialNumber":"1","lotNumber":"L","expirationDate":"280630","requestorGLN":"1","correlationUUID":"c","context":"x"}`))
	f.Fuzz(func(t *testing.T, raw []byte) { agreeWith(t, raw, fastDecodeVerifyRequest) })
}
