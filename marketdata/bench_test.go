package marketdata

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkComputeFeatures(b *testing.B) {
	bars := syntheticBars(4000, 1)
	b.ReportAllocs()
	for b.Loop() {
		ComputeFeatures(bars)
	}
}

func BenchmarkCSVLoad(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, syntheticBars(4000, 1)); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "SYN.csv"), buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	src := CSVDir{Dir: dir}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Load(context.Background(), "SYN"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeChart(b *testing.B) {
	body := yahooSample(b, "MSFT_1d_2021-02-01_2022-01-31_events-div.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeChart(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
