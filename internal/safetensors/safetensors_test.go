package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleFile(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := Write(&buf, []Tensor{
		{Name: "b", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "a", Shape: []int{2}, Data: []float32{-1.5, 0.25}},
	}, map[string]string{"config": `{"width":8}`})
	require.NoError(t, err)
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	file, err := Read(sampleFile(t))
	require.NoError(t, err)
	require.Len(t, file.Tensors, 2)
	assert.Equal(t, `{"width":8}`, file.Metadata["config"])
	a, ok := file.Get("a")
	require.True(t, ok)
	assert.Equal(t, []int{2}, a.Shape)
	assert.Equal(t, []float32{-1.5, 0.25}, a.Data)
	b, ok := file.Get("b")
	require.True(t, ok)
	assert.Equal(t, []float32{1, 2, 3, 4, 5, 6}, b.Data)
}

func TestHeaderAlignedTo8(t *testing.T) {
	data := sampleFile(t)
	headerLen := binary.LittleEndian.Uint64(data[:8])
	assert.Zero(t, headerLen%8)
}

func TestReadRejectsDamage(t *testing.T) {
	good := sampleFile(t)
	cases := map[string][]byte{
		"empty":            {},
		"short prefix":     good[:5],
		"truncated data":   good[:len(good)-4],
		"truncated header": good[:20],
		"huge header":      append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, good[8:]...),
		"not json":         append(append([]byte{}, good[:8]...), bytes.Repeat([]byte{'x'}, len(good)-8)...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Read(data)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid), "error %v should wrap ErrInvalid", err)
		})
	}
}

func TestWriteRejectsShapeMismatch(t *testing.T) {
	err := Write(&bytes.Buffer{}, []Tensor{{Name: "x", Shape: []int{3}, Data: []float32{1}}}, nil)
	assert.ErrorContains(t, err, `"x"`)
}

func TestWriteRejectsDuplicateName(t *testing.T) {
	x := Tensor{Name: "x", Shape: []int{1}, Data: []float32{1}}
	err := Write(&bytes.Buffer{}, []Tensor{x, x}, nil)
	assert.ErrorContains(t, err, "duplicate")
}

func FuzzRead(f *testing.F) {
	f.Add(sampleFile(f))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(data)
		if err != nil {
			return
		}
		for _, tensor := range file.Tensors {
			if numElements(tensor.Shape) != len(tensor.Data) {
				t.Fatalf("tensor %q: shape %v but %d values", tensor.Name, tensor.Shape, len(tensor.Data))
			}
		}
	})
}
