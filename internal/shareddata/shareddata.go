// Package shareddata locates the shared real-data folder for tests.
//
// The folder is not part of the repository. It is found through the environment variable
// TRADER_SHARED_DATA or as shared/data next to the module root (../shared/data from the
// directory that contains go.mod).
package shareddata

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// EnvDir is the environment variable that overrides the location of the shared data folder.
const EnvDir = "TRADER_SHARED_DATA"

// SharedDataDir returns the absolute path of the shared data folder. When the folder is
// missing, it fails the test if the environment variable CI is true and skips it otherwise.
// Both messages name the folder that was looked for.
func SharedDataDir(t testing.TB) string {
	t.Helper()
	dir, err := locate()
	if err == nil {
		var info os.FileInfo
		if info, err = os.Stat(dir); err == nil && !info.IsDir() {
			err = &os.PathError{Op: "stat", Path: dir, Err: os.ErrInvalid}
		}
	}
	if err == nil {
		return dir
	}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("shared data folder %s is missing (CI=true): %v; set %s to its path", dir, err, EnvDir)
		return ""
	}
	t.Skipf("skipping: shared data folder %s not found (%v); set %s to run this test", dir, err, EnvDir)
	return ""
}

// locate returns the configured or default folder path without checking that it exists.
func locate() (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "../../shared/data", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "data"), nil
		}
		if parent := filepath.Dir(dir); parent == dir {
			break
		}
	}
	// No go.mod above the working directory: fall back to the layout of a top-level package.
	return filepath.Join(wd, "..", "..", "shared", "data"), nil
}
