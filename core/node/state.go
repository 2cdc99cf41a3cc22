package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/goha/goha/core/store"
)

// StateFile is the node's bbolt file inside the data directory. It holds
// bucket "node" (membership state that must survive a restart). The config
// store lives beside it in goha.cdb (see store.Open).
const StateFile = "goha.db"

// BucketNode is the bbolt bucket of the node's persistent state.
const BucketNode = "node"

// ErrDataDir is returned when the data directory cannot be used.
var ErrDataDir = errors.New("unusable data directory")

// OpenState creates dir if needed and opens dir/StateFile, failing fast
// (not blocking) when another process holds the file.
func OpenState(dir string) (*bbolt.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrDataDir, dir, err)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w %s: not a directory", ErrDataDir, dir)
	}
	path := filepath.Join(dir, StateFile)
	// The config store shares this file (store.Open on Node.DB): reserve
	// the address space it recommends so that growing the file never waits
	// for a long snapshot read.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 500 * time.Millisecond, InitialMmapSize: store.RecommendedMmapSize})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w %s: %s is locked by another gohad", ErrDataDir, dir, StateFile)
		}
		return nil, fmt.Errorf("%w %s: %v", ErrDataDir, dir, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(BucketNode))
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w %s: %v", ErrDataDir, dir, err)
	}
	return db, nil
}

func loadKey(db *bbolt.DB, key string) ([]byte, error) {
	var out []byte
	err := db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket([]byte(BucketNode)).Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

func saveKey(db *bbolt.DB, key string, val []byte) error {
	return db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(BucketNode)).Put([]byte(key), val)
	})
}
