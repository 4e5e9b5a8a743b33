package fabric

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"rxledger/chaincode"
)

// fakeStub is a hand-written stand-in for the peer side of the shim: just
// the calls the adapter makes. Embedding the interface makes any other call
// panic, which would show the adapter using something unexpected.
type fakeStub struct {
	shim.ChaincodeStubInterface
	creator   []byte
	txID      string
	ts        time.Time
	function  string
	args      []string
	state     map[string][]byte
	history   map[string][]*queryresult.KeyModification // newest first, as Fabric returns it
	private   map[string][]byte                         // collection + "/" + key
	transient map[string][]byte
	event     string
	payload   []byte
	// queryLimit, when not 0, cuts every range query there without an
	// error, as a peer's ledger.state.totalQueryLimit does; queries counts
	// the range queries made.
	queryLimit int
	queries    int
}

func newFakeStub(t *testing.T, mspID string) *fakeStub {
	t.Helper()
	creator, err := proto.Marshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: []byte("cert")})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeStub{creator: creator, txID: "tx1", ts: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		state: map[string][]byte{}, history: map[string][]*queryresult.KeyModification{}, private: map[string][]byte{}}
}

func (f *fakeStub) GetCreator() ([]byte, error) { return f.creator, nil }
func (f *fakeStub) GetTxID() string             { return f.txID }
func (f *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(f.ts), nil
}
func (f *fakeStub) GetFunctionAndParameters() (string, []string) { return f.function, f.args }
func (f *fakeStub) GetState(k string) ([]byte, error)            { return f.state[k], nil }
func (f *fakeStub) PutState(k string, v []byte) error {
	f.state[k] = v
	f.history[k] = append([]*queryresult.KeyModification{{TxId: f.txID, Value: v, Timestamp: timestamppb.New(f.ts)}}, f.history[k]...)
	return nil
}
func (f *fakeStub) DelState(k string) error { delete(f.state, k); return nil }
func (f *fakeStub) GetStateByRange(start, end string) (shim.StateQueryIteratorInterface, error) {
	f.queries++
	var kvs []*queryresult.KV
	for _, k := range slices.Sorted(mapsKeys(f.state)) {
		if k >= start && (end == "" || k < end) && (f.queryLimit == 0 || len(kvs) < f.queryLimit) {
			kvs = append(kvs, &queryresult.KV{Key: k, Value: f.state[k]})
		}
	}
	return &kvIter{kvs: kvs}, nil
}
func (f *fakeStub) GetHistoryForKey(k string) (shim.HistoryQueryIteratorInterface, error) {
	return &histIter{mods: f.history[k]}, nil
}
func (f *fakeStub) GetPrivateData(c, k string) ([]byte, error) { return f.private[c+"/"+k], nil }
func (f *fakeStub) PutPrivateData(c, k string, v []byte) error {
	f.private[c+"/"+k] = v
	return nil
}
func (f *fakeStub) GetTransient() (map[string][]byte, error) { return f.transient, nil }
func (f *fakeStub) SetEvent(n string, p []byte) error {
	f.event, f.payload = n, p
	return nil
}

func mapsKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

type kvIter struct{ kvs []*queryresult.KV }

func (i *kvIter) HasNext() bool { return len(i.kvs) > 0 }
func (i *kvIter) Close() error  { return nil }
func (i *kvIter) Next() (*queryresult.KV, error) {
	kv := i.kvs[0]
	i.kvs = i.kvs[1:]
	return kv, nil
}

type histIter struct {
	mods []*queryresult.KeyModification
}

func (i *histIter) HasNext() bool { return len(i.mods) > 0 }
func (i *histIter) Close() error  { return nil }
func (i *histIter) Next() (*queryresult.KeyModification, error) {
	m := i.mods[0]
	i.mods = i.mods[1:]
	return m, nil
}

// TestInvoke drives the dispatcher through the shim adapter: creator from
// the serialized identity, args, transient, events, history order, refusals.
func TestInvoke(t *testing.T) {
	stub := newFakeStub(t, "ManufacturerMSP")
	cc := New(chaincode.Invoke)
	call := func(txID, function string, args ...string) (int32, string) {
		t.Helper()
		stub.txID, stub.function, stub.args = txID, function, args
		stub.ts = stub.ts.Add(time.Second)
		r := cc.Invoke(stub)
		if r.Status == shim.OK {
			return r.Status, string(r.Payload)
		}
		return r.Status, r.Message
	}
	partner, _ := json.Marshal(chaincode.Partner{Name: "Acme", Roles: []chaincode.Role{chaincode.RoleManufacturer},
		GLNs: []string{"0312345000004"}, CompanyPrefixes: []string{"0312345"},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "1", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	if status, msg := call("tx1", chaincode.FnPutPartner, string(partner)); status != shim.OK {
		t.Fatalf("PutPartner: %s", msg)
	}
	if stub.event != chaincode.EventName || !strings.Contains(string(stub.payload), `"creator":"ManufacturerMSP"`) {
		t.Fatalf("event %q %s", stub.event, stub.payload)
	}
	mfrCreator := stub.creator
	stub.creator = newFakeStub(t, "RegulatorMSP").creator
	if status, msg := call("tx1a", chaincode.FnAttestPartner, "ManufacturerMSP",
		`{"roles":["manufacturer"],"glns":["0312345000004"],"companyPrefixes":["0312345"],"licenses":[{"authority":"FDA","number":"1","expiry":"2099-01-01T00:00:00Z"}]}`); status != shim.OK {
		t.Fatalf("AttestPartner: %s", msg)
	}
	stub.creator = mfrCreator
	for i, step := range []string{"commissioning", "destroying"} {
		action, ilmd := "OBSERVE", ""
		if step == "commissioning" {
			action = "ADD"
			ilmd = `,"ILMD":[{"Space":"urn:epcglobal:cbv:mda","Local":"lotNumber","Text":"L1"},{"Space":"urn:epcglobal:cbv:mda","Local":"itemExpirationDate","Text":"2027-03-31"}]`
		}
		ev := fmt.Sprintf(`[{"Type":"ObjectEvent","Action":%q,"BizStep":%q,"EventTime":"2026-11-01T00:00:0%dZ","EventTimeZoneOffset":"+00:00",
			"EPCList":["urn:epc:id:sgtin:0312345.067890.A1"]%s}]`, action, step, i, ilmd)
		stub.transient = map[string][]byte{chaincode.TransientEvents: []byte(ev), chaincode.TransientSalt: chaincode.NewSalt()}
		if status, msg := call(fmt.Sprintf("tx%d", i+2), chaincode.FnCapture); status != shim.OK {
			t.Fatalf("capture %s: %s", step, msg)
		}
	}
	status, out := call("q1", chaincode.FnHistory, "urn:epc:id:sgtin:0312345.067890.A1")
	if status != shim.OK {
		t.Fatalf("history: %s", out)
	}
	var hist []chaincode.CustodyEntry
	if err := json.Unmarshal([]byte(out), &hist); err != nil || len(hist) != 2 || hist[0].TxID != "tx2" || hist[1].Serial.Status != chaincode.StatusDestroyed {
		t.Fatalf("history oldest first: %s %v", out, err)
	}
	status, msg := call("tx9", chaincode.FnReadLot, "00312345678906")
	re, ok := chaincode.ParseRuleError(msg)
	if status == shim.OK || !ok || re.Rule != "wrong-arguments" {
		t.Fatalf("refusal: %d %q", status, msg)
	}
}

// TestPrivateReadRestriction: the adapter reads only the caller's collection.
func TestPrivateReadRestriction(t *testing.T) {
	st, err := NewState(newFakeStub(t, "PharmacyMSP"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetPrivateData(chaincode.ImplicitCollection("WholesalerMSP"), "k"); err == nil {
		t.Fatal("read of another organisation's collection allowed")
	}
	if _, err := st.GetPrivateData(chaincode.ImplicitCollection("PharmacyMSP"), "k"); err != nil {
		t.Fatal(err)
	}
	if st.Creator() != "PharmacyMSP" {
		t.Fatalf("creator %q", st.Creator())
	}
}

func TestBadCreator(t *testing.T) {
	stub := newFakeStub(t, "X")
	stub.creator = []byte{0xff, 0xff}
	if r := New(chaincode.Invoke).Invoke(stub); r.Status == shim.OK {
		t.Fatal("an undecodable creator was accepted")
	}
}

// TestInvokeRecoversPanic: a chaincode function that panics is answered
// with an error, and the chaincode goes on answering.
func TestInvokeRecoversPanic(t *testing.T) {
	stub := newFakeStub(t, "ManufacturerMSP")
	cc := New(func(st chaincode.State, function string, args []string) ([]byte, error) {
		if function == "boom" {
			var m map[string]int
			m["x"]++ // a nil map write panics
		}
		return []byte("ok"), nil
	})
	stub.function = "boom"
	if r := cc.Invoke(stub); r.Status != shim.ERROR || !strings.Contains(r.Message, "internal error") {
		t.Fatalf("panicking function: status %d %q, want an internal error", r.Status, r.Message)
	}
	stub.function = "fine"
	if r := cc.Invoke(stub); r.Status != shim.OK || string(r.Payload) != "ok" {
		t.Fatalf("after the panic: status %d %q", r.Status, r.Message)
	}
}

// TestRangeOutlastsTheQueryLimit: a peer cuts a range query at its
// totalQueryLimit without saying so; Range reads in queries shorter than
// that, so it sees a range of any length, whole and in order, and stops
// when its callback says.
func TestRangeOutlastsTheQueryLimit(t *testing.T) {
	defer func(n int) { rangeChunk = n }(rangeChunk)
	rangeChunk = 20
	stub := newFakeStub(t, "ManufacturerMSP")
	stub.queryLimit = 30
	var want []string
	for i := range 105 {
		k := fmt.Sprintf("lot~L1~%03d", i)
		stub.state[k] = []byte{1}
		want = append(want, k)
	}
	stub.state["lou~after"] = []byte{1} // past the range's end
	st, err := NewState(stub)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = st.Range("lot~L1~", "lot~L1~\xff", func(k string, _ []byte) (bool, error) {
		got = append(got, k)
		return true, nil
	})
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("read %d keys (%v), want all %d in order", len(got), err, len(want))
	}
	if stub.queries != 6 {
		t.Errorf("%d range queries, want 6 of at most 20 records", stub.queries)
	}
	got = got[:0]
	err = st.Range("lot~L1~", "lot~L1~\xff", func(k string, _ []byte) (bool, error) {
		got = append(got, k)
		return len(got) < 45, nil
	})
	if err != nil || !slices.Equal(got, want[:45]) {
		t.Fatalf("a walk stopped at 45 read %d keys (%v)", len(got), err)
	}
}
