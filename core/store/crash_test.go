package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const crashEnv = "GOHA_STORE_CRASH_WRITER"

// TestCrashWriterChild is the writer process of TestCrashSIGKILL; it does
// nothing in a normal test run. It commits batches forever and prints
// "ACK txid path" for each commit once Batch has returned (acknowledged).
func TestCrashWriterChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("only runs as the child of TestCrashSIGKILL")
	}
	s, err := OpenFile(path, nil)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	for i := 0; ; i++ {
		txid := s.Txid() + 1
		p := fmt.Sprintf("/crash/%08d", txid)
		// Varying sizes so the kill lands in page splits and freelist work.
		ops := []Op{SetOp(p, Uint64(txid)), SetOp("/crash/blob", Binary(make([]byte, 100+(i*397)%6000)))}
		if i%3 == 2 {
			ops = append(ops, DeleteOp(fmt.Sprintf("/crash/%08d", txid-1)), SetOp(fmt.Sprintf("/crash/%08d", txid-1), Uint64(txid-1)))
		}
		c, err := s.Batch(ops)
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(3)
		}
		fmt.Printf("ACK %d %s\n", c.Txid, p) // unbuffered write to the pipe
	}
}

// TestCrashSIGKILL kills a writer process with SIGKILL in the middle of a
// write load, three times on the same file, and checks after each kill that
// every acknowledged commit is present and the txid sequence has no gap.
func TestCrashSIGKILL(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip()
	}
	path := filepath.Join(t.TempDir(), "goha.db")
	lastAck := uint64(0)
	for round, killAfter := range []int{40, 150, 90} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriterChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		killTimer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() }) // never hang the suite
		sc := bufio.NewScanner(out)
		acks := map[uint64]string{}
		killed := false
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "ERR") {
				t.Fatalf("round %d: writer: %s", round, line)
			}
			f := strings.Fields(line)
			if len(f) != 3 || f[0] != "ACK" {
				continue
			}
			txid, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			acks[txid] = f[2]
			if len(acks) == killAfter && !killed {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		}
		killTimer.Stop()
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: writer did not die by SIGKILL: %v", round, err)
		}
		// The acknowledged txids continue the previous round's without a gap.
		first := lastAck + 1
		for i := first; i < first+uint64(len(acks)); i++ {
			if _, ok := acks[i]; !ok {
				t.Fatalf("round %d: acknowledged txids have a gap at %d", round, i)
			}
		}
		lastAck = first + uint64(len(acks)) - 1
		s, err := OpenFile(path, nil) // Open verifies the content digest
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		txid := s.Txid()
		if txid != lastAck && txid != lastAck+1 { // one commit may land unacknowledged
			t.Fatalf("round %d: store txid %d, last acknowledged %d", round, txid, lastAck)
		}
		for id, p := range acks {
			v, err := s.Get(p)
			if err != nil || v.Uint() != id {
				t.Fatalf("round %d: acknowledged commit %d (%s) lost: %v %v", round, id, p, v, err)
			}
		}
		t.Logf("round %d: %d commits acknowledged, killed, all present; store txid %d", round, len(acks), txid)
		lastAck = txid
		s.Close()
	}
}
