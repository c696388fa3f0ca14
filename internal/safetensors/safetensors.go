// Package safetensors reads and writes the safetensors file format: an 8-byte little-endian
// header length, a JSON header that maps tensor names to dtype, shape and byte offsets (plus an
// optional "__metadata__" map of strings), then the raw tensor bytes.
//
// Only the F32 dtype is supported, which is all the trader model stores. The reader checks every
// offset against the file size and the shape, so a truncated or corrupt file is an error and never
// a panic.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// MaxHeaderBytes bounds the JSON header so a corrupt length prefix cannot make the reader
// allocate gigabytes.
const MaxHeaderBytes = 16 << 20

// ErrInvalid is wrapped by every error about a malformed file.
var ErrInvalid = errors.New("invalid safetensors file")

// Tensor is one named float32 tensor in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is the content of a safetensors file.
type File struct {
	Metadata map[string]string
	Tensors  []Tensor // sorted by name when read
}

// Get returns the tensor with the given name, or false.
func (f *File) Get(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

type headerEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Write encodes the tensors and metadata. Tensors are laid out in the order given.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var offset int64
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		if t.Name == "" || t.Name == "__metadata__" {
			return fmt.Errorf("safetensors: invalid tensor name %q", t.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		if n := numElements(t.Shape); n != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q has shape %v (%d elements) but %d values", t.Name, t.Shape, n, len(t.Data))
		}
		size := int64(4 * len(t.Data))
		header[t.Name] = headerEntry{DType: "F32", Shape: t.Shape, DataOffsets: [2]int64{offset, offset + size}}
		offset += size
	}
	headerJSON, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: encode header: %w", err)
	}
	// The format pads the header with spaces to a multiple of 8 bytes.
	for len(headerJSON)%8 != 0 {
		headerJSON = append(headerJSON, ' ')
	}
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(headerJSON)))
	if _, err := w.Write(prefix[:]); err != nil {
		return err
	}
	if _, err := w.Write(headerJSON); err != nil {
		return err
	}
	for _, t := range tensors {
		buf := make([]byte, 4*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// Read decodes a whole safetensors file held in memory.
func Read(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the 8-byte header length", ErrInvalid, len(data))
	}
	headerLen := binary.LittleEndian.Uint64(data[:8])
	if headerLen > MaxHeaderBytes || headerLen > uint64(len(data)-8) {
		return nil, fmt.Errorf("%w: header length %d does not fit in a file of %d bytes", ErrInvalid, headerLen, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+headerLen], &raw); err != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object: %v", ErrInvalid, err)
	}
	body := data[8+headerLen:]
	file := &File{Metadata: map[string]string{}}
	type span struct {
		name       string
		begin, end int64
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &file.Metadata); err != nil {
				return nil, fmt.Errorf("%w: __metadata__ is not a map of strings: %v", ErrInvalid, err)
			}
			continue
		}
		var entry headerEntry
		if err := json.Unmarshal(msg, &entry); err != nil {
			return nil, fmt.Errorf("%w: tensor %q: %v", ErrInvalid, name, err)
		}
		if entry.DType != "F32" {
			return nil, fmt.Errorf("%w: tensor %q has dtype %q, only F32 is supported", ErrInvalid, name, entry.DType)
		}
		n := numElements(entry.Shape)
		if n < 0 {
			return nil, fmt.Errorf("%w: tensor %q has invalid shape %v", ErrInvalid, name, entry.Shape)
		}
		begin, end := entry.DataOffsets[0], entry.DataOffsets[1]
		if begin < 0 || end < begin || end > int64(len(body)) {
			return nil, fmt.Errorf("%w: tensor %q has offsets [%d, %d] outside the %d data bytes (truncated file?)", ErrInvalid, name, begin, end, len(body))
		}
		if end-begin != int64(4*n) {
			return nil, fmt.Errorf("%w: tensor %q has %d bytes but shape %v needs %d", ErrInvalid, name, end-begin, entry.Shape, 4*n)
		}
		values := make([]float32, n)
		chunk := body[begin:end]
		for i := range values {
			values[i] = math.Float32frombits(binary.LittleEndian.Uint32(chunk[4*i:]))
		}
		file.Tensors = append(file.Tensors, Tensor{Name: name, Shape: entry.Shape, Data: values})
		spans = append(spans, span{name, begin, end})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].begin < spans[j].begin })
	for i := 1; i < len(spans); i++ {
		if spans[i].begin < spans[i-1].end {
			return nil, fmt.Errorf("%w: tensors %q and %q overlap", ErrInvalid, spans[i-1].name, spans[i].name)
		}
	}
	sort.Slice(file.Tensors, func(i, j int) bool { return file.Tensors[i].Name < file.Tensors[j].Name })
	return file, nil
}

// numElements returns the product of the dimensions, or -1 for a negative dimension or a
// product too large for a file this reader accepts.
func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return -1
		}
		n *= d
	}
	return n
}
