package latentmodel

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
)

// DefaultWeightsPath is the embedded weights file, produced by `make model` (see docs/model.md).
const DefaultWeightsPath = "weights/default.safetensors"

//go:embed weights
var embedded embed.FS

// ErrNoEmbeddedWeights means the binary was built without default weights.
var ErrNoEmbeddedWeights = errors.New("no embedded weights")

// Default decodes the weights embedded in the binary.
func Default() (*Bundle, error) {
	data, err := embedded.ReadFile(DefaultWeightsPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is missing; run `make model` or pass --weights FILE", ErrNoEmbeddedWeights, DefaultWeightsPath)
	}
	if err != nil {
		return nil, err
	}
	b, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("embedded weights: %w", err)
	}
	b.Name = "embedded"
	return b, nil
}
