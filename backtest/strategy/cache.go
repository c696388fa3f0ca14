package strategy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/manager"
	"github.com/traderlab/trader/marketdata"
)

// Cache stores agent decisions on disk, one JSON file per configuration key and symbol:
// Dir/KEY/SYMBOL.json maps dates (YYYY-MM-DD) to decisions. Each Put rewrites the file
// atomically, so an interrupted run keeps every decision it finished. A Cache is safe for
// concurrent use within one process.
type Cache struct {
	// Dir is the cache's root directory, created on the first Put.
	Dir string

	mu    sync.Mutex
	files map[string]map[string]manager.Decision // by file path, then date
}

// NewCache returns a cache rooted at dir.
func NewCache(dir string) *Cache { return &Cache{Dir: dir} }

// Get returns the decision stored for key, symbol and date, with ok false when there is none.
func (c *Cache) Get(key, symbol string, date time.Time) (d manager.Decision, ok bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries, err := c.load(key, symbol)
	if err != nil {
		return d, false, err
	}
	d, ok = entries[marketdata.FormatDate(date)]
	return d, ok, nil
}

// Put stores d for key, symbol and date and rewrites the symbol's file.
func (c *Cache) Put(key, symbol string, date time.Time, d manager.Decision) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries, err := c.load(key, symbol)
	if err != nil {
		return err
	}
	entries[marketdata.FormatDate(date)] = d
	data, err := json.MarshalIndent(entries, "", " ")
	if err != nil {
		return fmt.Errorf("encode cached decisions of %s: %w", symbol, err)
	}
	path := c.path(key, symbol)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create decision cache directory: %w", err)
	}
	return latentmodel.WriteFileAtomic(path, append(data, '\n'))
}

// load returns the entries of one file, reading it on first use. The caller holds c.mu.
func (c *Cache) load(key, symbol string) (map[string]manager.Decision, error) {
	path := c.path(key, symbol)
	if entries, ok := c.files[path]; ok {
		return entries, nil
	}
	if c.files == nil {
		c.files = map[string]map[string]manager.Decision{}
	}
	entries := map[string]manager.Decision{}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read decision cache: %w", err)
	default:
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, fmt.Errorf("decision cache %s is corrupt (delete it to recompute): %w", path, err)
		}
	}
	c.files[path] = entries
	return entries, nil
}

func (c *Cache) path(key, symbol string) string {
	return filepath.Join(c.Dir, key, symbol+".json")
}
