package embedded

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"rxledger/services/ledger"
)

// crashDirEnv, when set, makes TestCrashHelperProcess act as the load
// generator that TestCrashRecovery kills.
const crashDirEnv = "RXLEDGER_EMBEDDED_CRASH_DIR"

// TestCrashHelperProcess is not a test: run by TestCrashRecovery in a child
// process, it submits transactions from many goroutines until it is killed,
// printing "ACK <txid> <key> <value> <block>" for each acknowledged one.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	l, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
	if err != nil {
		fmt.Fprintf(os.Stderr, "open: %v\n", err)
		os.Exit(3)
	}
	var out sync.Mutex
	ack := func(r ledger.Receipt, key, val string) {
		out.Lock()
		fmt.Fprintf(os.Stdout, "ACK %s %s %s %d\n", r.TxID, key, val, r.Block) // unbuffered: one write per line
		out.Unlock()
	}
	run := fmt.Sprintf("%x", rand.Uint64())
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if w%4 == 0 { // contended counters: some commits, some MVCC conflicts
					r, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "incr", Args: []string{fmt.Sprintf("ctr%d", i%2)}})
					if err == nil {
						ack(r, fmt.Sprintf("ctr%d", i%2), string(r.Result))
					}
					continue
				}
				key, val := fmt.Sprintf("k-%s-%d-%d", run, w, i), fmt.Sprintf("v%d", i)
				r, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "putEvent", Args: []string{key, val}})
				if err != nil {
					fmt.Fprintf(os.Stderr, "submit: %v\n", err)
					os.Exit(4)
				}
				ack(r, key, val)
			}
		}()
	}
	wg.Wait()
}

type ackRecord struct {
	key, val string
	block    uint64
}

// runUntilKilled starts the helper on dir, kills it with SIGKILL after a
// random number of acknowledgements and a random pause, and returns every
// acknowledgement it printed.
func runUntilKilled(t *testing.T, dir string, rng *rand.Rand) map[string]ackRecord {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killAfter := 20 + rng.IntN(1500)
	pause := time.Duration(rng.IntN(20)) * time.Millisecond
	acks := make(map[string]ackRecord)
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 5 || f[0] != "ACK" {
			continue
		}
		block, err := strconv.ParseUint(f[4], 10, 64)
		if err != nil {
			continue
		}
		acks[f[1]] = ackRecord{f[2], f[3], block}
		if !killed && len(acks) >= killAfter {
			killed = true
			go func() {
				time.Sleep(pause) // a random moment, not an assertion
				cmd.Process.Kill()
			}()
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("helper exited before it was killed: %v\n%s", err, stderr.String())
	}
	if st, ok := cmd.ProcessState.Sys().(interface{ Signaled() bool }); !ok || !st.Signaled() {
		t.Fatalf("helper was not killed by a signal: %v\n%s", err, stderr.String())
	}
	return acks
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a real process under load; skipped with -short")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	all := make(map[string]ackRecord)
	for round := 1; round <= 8; round++ {
		acks := runUntilKilled(t, dir, rng)
		for id, a := range acks {
			all[id] = a
		}
		// The chain tip record is written before a block's submitters are
		// answered, so a kill -9 leaves it naming every acknowledged block
		// (it may lag the store by the block being answered, never lead
		// it: Verify and the reopen below would refuse that).
		rec, err := readTipRecord(vfs.Default, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acks {
			if rec.state != tipValid || rec.height <= a.block {
				t.Fatalf("round %d: the chain tip record %+v does not cover acknowledged block %d", round, rec, a.block)
			}
		}
		if _, err := Verify(dir); err != nil {
			t.Fatalf("round %d: verify after kill -9: %v", round, err)
		}
		checkRecovered(t, dir, all)
		t.Logf("round %d: %d acknowledged this round, %d in all", round, len(acks), len(all))
	}
}

// checkRecovered reopens the ledger and checks that every acknowledged
// transaction is committed exactly once and valid, and that the state is the
// replay of the valid transactions.
func checkRecovered(t *testing.T, dir string, acks map[string]ackRecord) {
	t.Helper()
	l := openAt(t, dir, nil, Options{})
	defer l.Close()
	height, _ := l.Tip()
	count := make(map[string]int)
	replay := make(map[string]string)
	for n := uint64(0); n < height; n++ {
		b, err := l.Block(n)
		if err != nil {
			t.Fatalf("block %d: %v", n, err)
		}
		for _, tx := range b.Txs {
			if tx.Code != TxValid {
				continue
			}
			count[tx.ID]++
			for _, w := range tx.Writes {
				if w.Delete {
					delete(replay, w.Key)
				} else {
					replay[w.Key] = string(w.Value)
				}
			}
		}
	}
	for id, a := range acks {
		if count[id] != 1 {
			t.Errorf("acknowledged tx %s (%s=%s) is committed %d times, want once", id, a.key, a.val, count[id])
		}
	}
	for id, n := range count {
		if n != 1 {
			t.Errorf("tx %s committed %d times", id, n)
		}
	}
	state := make(map[string]string)
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceState}, UpperBound: []byte{spaceState + 1}})
	if err != nil {
		t.Fatal(err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		_, v, err := splitVersioned(it.Value())
		if err != nil {
			t.Fatal(err)
		}
		state[string(it.Key()[1:])] = string(v)
	}
	it.Close()
	if len(state) != len(replay) {
		t.Errorf("state has %d keys, replay of the valid transactions %d", len(state), len(replay))
	}
	for k, v := range replay {
		if state[k] != v {
			t.Errorf("state[%q] = %q, replay says %q", k, state[k], v)
		}
	}
	for _, a := range acks {
		if strings.HasPrefix(a.key, "k-") && state[a.key] != a.val {
			t.Errorf("acknowledged write %s=%s, state has %q", a.key, a.val, state[a.key])
		}
	}
}

// TestAcknowledgedSurvivesPowerLoss complements TestCrashRecovery: a kill -9
// keeps what the process wrote in the operating system's page cache, so it
// cannot tell a commit that was made durable before it was acknowledged
// from one that was not. Here the store runs on a file system that loses
// every write not synced when the "power" goes (pebble's strict in-memory
// file system): every acknowledged transaction must still be there, once.
func TestAcknowledgedSurvivesPowerLoss(t *testing.T) {
	fs := vfs.NewStrictMem()
	dir := t.TempDir() // Open makes it on disk too, where nothing is written
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) { // make the directories durable
		f, err := fs.OpenDir(filepath.Dir(d))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	opts := quietOptions()
	opts.fs = fs
	l, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, opts)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acks := make(map[string]ackRecord)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				key, val := fmt.Sprintf("k-%d-%d", w, i), fmt.Sprintf("v%d", i)
				r, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "putEvent", Args: []string{key, val}})
				if err != nil {
					t.Errorf("submit: %v", err)
					return
				}
				mu.Lock()
				acks[r.TxID] = ackRecord{key, val, r.Block}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// The power goes: nothing written from now on is synced, and the file
	// system keeps only what was synced before.
	fs.SetIgnoreSyncs(true)
	l.Close()
	fs.ResetToSyncedState()
	fs.SetIgnoreSyncs(false)

	l2, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, opts)
	if err != nil {
		t.Fatalf("reopen after the power loss: %v", err)
	}
	defer l2.Close()
	height, _ := l2.Tip()
	count := make(map[string]int)
	for n := uint64(0); n < height; n++ {
		b, err := l2.Block(n)
		if err != nil {
			t.Fatalf("block %d: %v", n, err)
		}
		for _, tx := range b.Txs {
			if tx.Code == TxValid {
				count[tx.ID]++
			}
		}
	}
	for id, a := range acks {
		if count[id] != 1 {
			t.Errorf("acknowledged tx %s (%s=%s) is committed %d times after the power loss, want once", id, a.key, a.val, count[id])
		}
		if got := string(evaluate(t, l2, mfr, "get", a.key)); got != a.val {
			t.Errorf("acknowledged %s=%s reads %q after the power loss", a.key, a.val, got)
		}
	}
	if len(acks) != 320 {
		t.Errorf("%d acknowledgements, want 320", len(acks))
	}
}
