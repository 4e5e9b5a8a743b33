package fabric

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gp "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fakeGateway is an in-process Fabric Gateway service for unit tests: its
// Evaluate answers the chaincode's History with a fixed answer and qscc
// GetBlockByTxID with a block whose header carries the number in blocks. It
// counts the block lookups, and hold, when set, is called with each lookup's
// transaction ID before it is answered (with the lookup counted in flight).
type fakeGateway struct {
	gp.UnimplementedGatewayServer

	history []byte
	blocks  map[string]uint64
	hold    func(txID string)

	mu       sync.Mutex
	lookups  map[string]int // per transaction ID
	inFlight int
	maxIn    int
}

func (f *fakeGateway) Evaluate(ctx context.Context, req *gp.EvaluateRequest) (*gp.EvaluateResponse, error) {
	var prop peer.Proposal
	if err := proto.Unmarshal(req.GetProposedTransaction().GetProposalBytes(), &prop); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	var payload peer.ChaincodeProposalPayload
	if err := proto.Unmarshal(prop.GetPayload(), &payload); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	var spec peer.ChaincodeInvocationSpec
	if err := proto.Unmarshal(payload.GetInput(), &spec); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	args := spec.GetChaincodeSpec().GetInput().GetArgs()
	if len(args) == 0 {
		return nil, status.Error(codes.InvalidArgument, "no function")
	}
	switch string(args[0]) {
	case "History":
		return &gp.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: f.history}}, nil
	case "GetBlockByTxID":
		txID := string(args[2])
		f.mu.Lock()
		if f.lookups == nil {
			f.lookups = map[string]int{}
		}
		f.lookups[txID]++
		f.inFlight++
		f.maxIn = max(f.maxIn, f.inFlight)
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.inFlight--
			f.mu.Unlock()
		}()
		if f.hold != nil {
			f.hold(txID)
		}
		n, ok := f.blocks[txID]
		if !ok {
			return nil, status.Error(codes.Aborted, "no such transaction ID")
		}
		raw, err := proto.Marshal(&common.Block{Header: &common.BlockHeader{Number: n}, Data: &common.BlockData{Data: [][]byte{[]byte("tx")}}})
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		return &gp.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: raw}}, nil
	}
	return nil, status.Errorf(codes.Unimplemented, "fake gateway: %s", args[0])
}

// counts returns the number of lookups of each transaction ID so far and the
// most that were in flight at once.
func (f *fakeGateway) counts() (map[string]int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.lookups))
	for k, v := range f.lookups {
		out[k] = v
	}
	return out, f.maxIn
}

// serveFake starts f on a loopback TLS listener and returns a Ledger whose
// organisations all use it. Both are stopped when the test ends.
func serveFake(t *testing.T, f *fakeGateway, orgs ...string) *Ledger {
	t.Helper()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "peer0"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "tlsca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewServerTLSFromCert(&tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key})))
	gp.RegisterGatewayServer(srv, f)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })

	cfg := Config{Channel: "rxledger", Chaincode: "rxledger"}
	for _, org := range orgs {
		writeIdentity(t, dir, org)
		cfg.Orgs = append(cfg.Orgs, Org{
			MSPID: org, CertFile: filepath.Join(dir, org, IdentityCertFile), KeyFile: filepath.Join(dir, org, IdentityKeyFile),
			PeerEndpoint: ln.Addr().String(), PeerTLSCA: caFile,
		})
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
