package fabric

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"maps"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	gp "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fakeGateway is an in-process Fabric Gateway service for unit tests. Its
// Evaluate answers the chaincode's History with a fixed answer (and nothing
// else). Its CommitStatus answers as a peer's gateway does
// (internal/pkg/gateway/commitstatus.go in Fabric): it checks the request's
// channel (refusing another as NotFound) and the signature against the
// identity in it, refusing a bad one (or one of the
// organisation deny) as PermissionDenied; a transaction in blocks is valid in
// that block, one in invalid committed in that block with an MVCC conflict;
// any other is not committed, and the call waits until its context ends, as
// the peer waits for the transaction to commit.
//
// It counts the lookups per transaction, the organisations that signed them
// and how many were in flight at once, and records the time each lookup had
// left before its deadline (or that it had none). hold, when set, is called
// with each lookup's transaction ID before it is answered (with the lookup
// counted in flight).
type fakeGateway struct {
	gp.UnimplementedGatewayServer

	history []byte
	blocks  map[string]uint64
	invalid map[string]uint64
	deny    string
	hold    func(txID string)

	mu         sync.Mutex
	lookups    map[string]int // per transaction ID
	signers    map[string]int // per MSP ID
	inFlight   int
	maxIn      int
	noDeadline int
	longest    time.Duration // the most time a lookup had left
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
	if string(args[0]) == "History" {
		return &gp.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: f.history}}, nil
	}
	return nil, status.Errorf(codes.Unimplemented, "fake gateway: %s", args[0])
}

func (f *fakeGateway) CommitStatus(ctx context.Context, signed *gp.SignedCommitStatusRequest) (*gp.CommitStatusResponse, error) {
	var req gp.CommitStatusRequest
	if err := proto.Unmarshal(signed.GetRequest(), &req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "invalid status request: %v", err)
	}
	if ch := req.GetChannelId(); ch != fakeChannel {
		return nil, status.Errorf(codes.NotFound, "channel %q not found", ch)
	}
	mspID, err := verifySigned(req.GetIdentity(), signed.GetRequest(), signed.GetSignature())
	if err != nil || mspID == f.deny {
		return nil, status.Errorf(codes.PermissionDenied, "access denied: %v", err)
	}
	txID := req.GetTransactionId()
	f.mu.Lock()
	if f.lookups == nil {
		f.lookups, f.signers = map[string]int{}, map[string]int{}
	}
	f.lookups[txID]++
	f.signers[mspID]++
	if deadline, ok := ctx.Deadline(); ok {
		f.longest = max(f.longest, time.Until(deadline))
	} else {
		f.noDeadline++
	}
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
	if n, ok := f.blocks[txID]; ok {
		return &gp.CommitStatusResponse{Result: peer.TxValidationCode_VALID, BlockNumber: n}, nil
	}
	if n, ok := f.invalid[txID]; ok {
		return &gp.CommitStatusResponse{Result: peer.TxValidationCode_MVCC_READ_CONFLICT, BlockNumber: n}, nil
	}
	<-ctx.Done()
	return nil, status.FromContextError(ctx.Err()).Err()
}

// verifySigned checks that signature is an ECDSA signature of the SHA-256 of
// data by the certificate of the serialized identity creator, and returns
// the identity's MSP ID.
func verifySigned(creator, data, signature []byte) (string, error) {
	var id msp.SerializedIdentity
	if err := proto.Unmarshal(creator, &id); err != nil {
		return "", err
	}
	block, _ := pem.Decode(id.GetIdBytes())
	if block == nil {
		return "", errors.New("identity holds no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return "", errors.New("not an ECDSA key")
	}
	digest := sha256.Sum256(data)
	if !ecdsa.VerifyASN1(pub, digest[:], signature) {
		return "", errors.New("bad signature")
	}
	return id.GetMspid(), nil
}

// fakeChannel is the only channel the fake gateway serves.
const fakeChannel = "rxledger"

// counts returns the number of lookups of each transaction ID so far and the
// most that were in flight at once.
func (f *fakeGateway) counts() (map[string]int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.lookups), f.maxIn
}

// signedBy returns the number of lookups signed by each organisation.
func (f *fakeGateway) signedBy() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.signers)
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

	cfg := Config{Channel: fakeChannel, Chaincode: "rxledger"}
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
