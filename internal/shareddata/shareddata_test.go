package shareddata

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingTB records Skipf and Fatalf instead of stopping the test.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }

func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestSharedDataDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	rec := &recordingTB{TB: t}

	assert.Equal(t, dir, SharedDataDir(rec))
	assert.Empty(t, rec.skipped)
	assert.Empty(t, rec.failed)
}

func TestSharedDataDirMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	tests := []struct {
		name       string
		ci         string
		wantSkip   bool
		wantFailed bool
	}{
		{"local-skips", "", true, false},
		{"ci-false-skips", "false", true, false},
		{"ci-fails", "true", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDir, missing)
			t.Setenv("CI", tt.ci)
			rec := &recordingTB{TB: t}

			SharedDataDir(rec)

			if tt.wantSkip {
				assert.Contains(t, rec.skipped, missing)
			}
			if tt.wantFailed {
				assert.Contains(t, rec.failed, missing)
			}
			assert.Equal(t, tt.wantSkip, rec.skipped != "")
			assert.Equal(t, tt.wantFailed, rec.failed != "")
		})
	}
}

func TestSharedDataDirFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	t.Setenv(EnvDir, file)
	t.Setenv("CI", "")
	rec := &recordingTB{TB: t}

	SharedDataDir(rec)
	assert.Contains(t, rec.skipped, file)
}

func TestLocateDefault(t *testing.T) {
	t.Setenv(EnvDir, "")
	dir, err := locate()
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	// This package is internal/shareddata below the module root.
	assert.Equal(t, filepath.Join(wd, "..", "..", "..", "shared", "data"), dir)
}
