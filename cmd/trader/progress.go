package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line counter on stderr when it is a terminal, and nothing otherwise, so
// redirected output and logs stay clean.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	enabled bool
	last    time.Time
	drawn   bool
}

func newProgress(w io.Writer, label string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, enabled: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(done, total int) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if done < total && time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r%s %d/%d (%.0f%%)", p.label, done, total, 100*float64(done)/float64(max(total, 1)))
	p.drawn = true
}

func (p *progress) done() {
	if p.enabled && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func defaultWorkers() int { return runtime.NumCPU() }
