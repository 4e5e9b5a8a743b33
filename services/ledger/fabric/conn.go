package fabric

import (
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// maxBlockMessage is the largest message accepted from a peer: 100 MiB, as a
// peer's default peer.maxSendMsgSize. Blocks need it (see dial).
const maxBlockMessage = 100 << 20

// dial opens the gRPC connection to an organisation's gateway peer. The
// connection is made lazily and remade after failures; its reconnection
// backoff is capped at 3 s (gRPC's default reaches 2 minutes) so a restarted
// peer is used again within seconds.
func dial(o Org, dialTimeout time.Duration) (*grpc.ClientConn, error) {
	caPEM, err := os.ReadFile(o.PeerTLSCA)
	if err != nil {
		return nil, fmt.Errorf("read TLS CA of %s's peer: %w", o.MSPID, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("TLS CA file %s of %s's peer holds no PEM certificate", o.PeerTLSCA, o.MSPID)
	}
	conn, err := grpc.NewClient(o.PeerEndpoint,
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, o.PeerServerName)),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  200 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   3 * time.Second,
			},
			MinConnectTimeout: dialTimeout,
		}),
		// The block stream (Blocks, blocks.go) delivers full blocks, each as
		// one message as large as the block: up to the channel's
		// AbsoluteMaxBytes (10 MB on this project's channel), more than
		// gRPC's default 4 MB limit. This is Fabric's own default limit
		// (peer.maxSendMsgSize). History's block numbers do not need it:
		// CommitStatus answers a few bytes each (history.go).
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxBlockMessage)),
		// Peers refuse pings more often than every 60 s (peer.keepalive.minInterval).
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 90 * time.Second, Timeout: 20 * time.Second}),
	)
	if err != nil {
		return nil, fmt.Errorf("connection to %s's peer %s: %w", o.MSPID, o.PeerEndpoint, err)
	}
	return conn, nil
}
