package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
	openai "github.com/sashabaranov/go-openai"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// cacheVersion changes when the cache's key or file layout changes, so old files are not read.
const cacheVersion = 1

// cache stores responses as DIR/KEY.json, one file per request.
type cache struct{ dir string }

// cacheEntry is the content of a cache file: the response, never the request's headers.
type cacheEntry struct {
	Version int           `json:"version"`
	Model   string        `json:"model"`
	Content string        `json:"content"`
	Usage   thinker.Usage `json:"usage"`
}

// cacheKey hashes what determines a response: the server's host, the model, the messages and
// the sampling and format parameters. The API key and headers take no part.
func cacheKey(host string, req openai.ChatCompletionRequest) (string, error) {
	data, err := json.Marshal(struct {
		Version int                          `json:"version"`
		Host    string                       `json:"host"`
		Request openai.ChatCompletionRequest `json:"request"`
	}{cacheVersion, host, req})
	if err != nil {
		return "", fmt.Errorf("llm cache key: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func (c *cache) path(key string) string { return filepath.Join(c.dir, key+".json") }

// get returns the cached response for key. A missing file is a miss; an unreadable one is a
// miss with a warning.
func (c *cache) get(ctx context.Context, key string) (string, thinker.Usage, bool) {
	data, err := os.ReadFile(c.path(key))
	if err != nil {
		if !os.IsNotExist(err) {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("llm cache file unreadable; asking the server")
		}
		return "", thinker.Usage{}, false
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Version != cacheVersion {
		zerolog.Ctx(ctx).Warn().Str("path", c.path(key)).Msg("llm cache file invalid; asking the server")
		return "", thinker.Usage{}, false
	}
	return e.Content, e.Usage, true
}

// put writes the response for key atomically.
func (c *cache) put(key, model, content string, usage thinker.Usage) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("llm cache directory %s: %w", c.dir, err)
	}
	data, err := json.Marshal(cacheEntry{Version: cacheVersion, Model: model, Content: content, Usage: usage})
	if err != nil {
		return err
	}
	return latentmodel.WriteFileAtomic(c.path(key), data)
}
