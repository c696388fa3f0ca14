package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/thinker"
)

// Result is the record of one run.
type Result struct {
	// Turns lists every finished turn by Index. Indices count turns in schedule order. Units
	// (single nodes and loops) whose inputs are ready together are numbered in declaration
	// order, single nodes before loops. Each loop but the last of such a group keeps room for
	// all its rounds, so an index is skipped when that loop stops early. Turn i has seed
	// debate.TurnSeed(run seed, i), and Round is 0 outside loops.
	Turns []debate.Turn
	// Loops records each loop that started, in declaration order.
	Loops []LoopResult
	// Decision is the decision node's turn, or nil when the run stopped before it.
	Decision *debate.Turn
}

// LoopResult is the record of one loop.
type LoopResult struct {
	// Name is the loop's name.
	Name string
	// Rounds is the number of rounds played to the end.
	Rounds int
	// Stop is debate.StopConverged when the tolerance ended the loop and debate.StopRounds
	// otherwise.
	Stop debate.StopReason
	// Changes holds, for each round after the first, the largest total variation distance
	// between a node's distribution in that round and in the round before.
	Changes []float64
}

// LastBy returns the last turn of the named node, or nil when it never finished a turn.
func (r *Result) LastBy(node string) *debate.Turn {
	for i := len(r.Turns) - 1; i >= 0; i-- {
		if r.Turns[i].Agent == node {
			return &r.Turns[i]
		}
	}
	return nil
}

// Latest returns the last turn about q before the decision's turn, or nil.
func (r *Result) Latest(q thinker.Question) *debate.Turn {
	for i := len(r.Turns) - 1; i >= 0; i-- {
		t := &r.Turns[i]
		if t.Question == q && (r.Decision == nil || t.Index != r.Decision.Index) {
			return t
		}
	}
	return nil
}

// record is a finished turn with the indices of the turns it was handed as text (spoken).
type record struct {
	turn   debate.Turn
	spoken []int
}

// execution is the state of one Run.
type execution struct {
	g    *Graph
	snap *thinker.Snapshot
	seed uint64
	cfg  runConfig

	mu     sync.Mutex
	turns  map[int]*record // by index
	latest []*record       // per node
	loops  []*LoopResult   // per loop, nil until it starts
}

// Run takes every node's turns on snap with run seed seed and returns the result. Nodes that
// become ready together run concurrently; a loop's nodes take turns in order. When ctx is
// cancelled or a node fails, the running nodes are cancelled and Run returns the turns that
// finished with an error: ctx's error, or the first failure in declaration order wrapped with
// the node's name.
func (g *Graph) Run(ctx context.Context, snap *thinker.Snapshot, seed uint64, opts ...RunOption) (*Result, error) {
	if snap == nil {
		return nil, fmt.Errorf("%w: snapshot is nil", thinker.ErrInvalidRequest)
	}
	x := &execution{
		g:      g,
		snap:   snap,
		seed:   seed,
		turns:  map[int]*record{},
		latest: make([]*record, len(g.nodes)),
		loops:  make([]*LoopResult, len(g.loops)),
	}
	for _, o := range opts {
		o(&x.cfg)
	}
	err := x.schedule(ctx)
	return x.result(), err
}

// schedule runs the units in waves of those whose dependencies have finished.
func (x *execution) schedule(ctx context.Context) error {
	g := x.g
	done := make([]bool, len(g.units))
	next := 0
	for remaining := len(g.units); remaining > 0; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("graph run stopped before %d of %d units: %w", remaining, len(g.units), err)
		}
		var singles, loops []int
		for u := range g.units {
			if done[u] || !g.ready(u, done) {
				continue
			}
			if g.units[u].loop < 0 {
				singles = append(singles, u)
			} else {
				loops = append(loops, u)
			}
		}
		wave := append(singles, loops...)
		base := make([]int, len(wave))
		for i, u := range wave {
			base[i] = next
			if g.units[u].loop < 0 {
				next++
			} else if i < len(wave)-1 {
				next += g.loops[g.units[u].loop].Rounds * len(g.units[u].nodes)
			}
		}

		waveCtx, cancel := context.WithCancel(ctx)
		errs := make([]error, len(wave))
		counts := make([]int, len(wave))
		var wg sync.WaitGroup
		for i, u := range wave {
			wg.Go(func() {
				counts[i], errs[i] = x.runUnit(waveCtx, u, base[i])
				if errs[i] != nil {
					cancel()
				}
			})
		}
		wg.Wait()
		cancel()
		if last := len(wave) - 1; g.units[wave[last]].loop >= 0 {
			next = base[last] + counts[last]
		}
		if err := firstFailure(ctx, errs); err != nil {
			return err
		}
		for _, u := range wave {
			done[u] = true
		}
		remaining -= len(wave)
	}
	return nil
}

// firstFailure returns the first error in order that is not a cancellation caused by another
// failure, then the parent context's error, then any error.
func firstFailure(ctx context.Context, errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		for _, e := range errs {
			if e != nil {
				return fmt.Errorf("graph run stopped: %w", e)
			}
		}
		return fmt.Errorf("graph run stopped: %w", err)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// runUnit runs one unit whose first turn has index base and returns the number of turns counts.
func (x *execution) runUnit(ctx context.Context, u, base int) (int, error) {
	un := x.g.units[u]
	if un.loop < 0 {
		_, err := x.turn(ctx, un.nodes[0], base, 0, "")
		if err != nil {
			return 0, err
		}
		return 1, nil
	}
	loop := x.g.loops[un.loop]
	res := &LoopResult{Name: loop.Name, Stop: debate.StopRounds}
	x.mu.Lock()
	x.loops[un.loop] = res
	x.mu.Unlock()
	k := len(un.nodes)
	var before []*thinker.Thought
	for round := 1; round <= loop.Rounds; round++ {
		current := make([]*thinker.Thought, k)
		for i, n := range un.nodes {
			t, err := x.turn(ctx, n, base+(round-1)*k+i, round, loop.Name)
			if err != nil {
				return (round-1)*k + i, fmt.Errorf("loop %q round %d: %w", loop.Name, round, err)
			}
			current[i] = t.Thought
		}
		x.mu.Lock()
		res.Rounds = round
		stop := false
		if round > 1 {
			change := roundChange(before, current)
			res.Changes = append(res.Changes, change)
			if change < loop.Tolerance {
				res.Stop, stop = debate.StopConverged, true
			}
		}
		x.mu.Unlock()
		if stop {
			return round * k, nil
		}
		before = current
	}
	return loop.Rounds * k, nil
}

// roundChange returns the largest total variation distance between a node's thoughts in two
// consecutive rounds; distributions over different bins count as fully changed.
func roundChange(before, current []*thinker.Thought) float64 {
	largest := 0.0
	for i := range current {
		p, q := current[i].Probs, before[i].Probs
		if len(p) != len(q) {
			return 1
		}
		largest = max(largest, thinker.TotalVariation(p, q))
	}
	return largest
}

// turn takes one turn of node n with the given index.
func (x *execution) turn(ctx context.Context, n, index, round int, loop string) (*debate.Turn, error) {
	node := x.g.nodes[n]
	ev := Event{Node: node.Name, Loop: loop, Round: round, Index: index, Steps: node.Steps}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("node %q: %w", node.Name, err)
	}
	in, spoken := x.input(n, index)
	ev.Kind = NodeStart
	x.cfg.emit(ev)

	start := time.Now()
	resp, err := node.Agent.Respond(ctx, in)
	if err != nil {
		err = fmt.Errorf("node %q: %w", node.Name, err)
		ev.Kind, ev.Err = NodeError, err
		x.cfg.emit(ev)
		return nil, err
	}
	rec := &record{
		turn: debate.Turn{
			Index:    index,
			Round:    round,
			Agent:    node.Name,
			Question: node.Question,
			Seed:     in.Seed,
			Thought:  resp.Thought,
			Argument: resp.Argument,
			Duration: time.Since(start),
		},
		spoken: spoken,
	}
	for _, s := range resp.Thought.Trace {
		ev.Kind, ev.Step = NodeStep, s.Step
		x.cfg.emit(ev)
	}
	x.mu.Lock()
	x.turns[index] = rec
	x.latest[n] = rec
	x.mu.Unlock()
	ev.Kind, ev.Step, ev.Turn = NodeEnd, 0, &rec.turn
	x.cfg.emit(ev)
	return &rec.turn, nil
}

// input gathers what node n's incoming edges hand over: the most recent upstream thought
// handed as state or distribution (warm-starting from it when its edge hands state), and the
// union of the transcripts handed as text.
func (x *execution) input(n, index int) (agents.Input, []int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	var previous *record
	warm := false
	var spoken []int
	for _, ei := range x.g.in[n] {
		e := x.g.edges[ei]
		src := x.latest[x.g.index[e.From]]
		if src == nil {
			continue
		}
		if e.Handoff&(State|Distribution) != 0 && (previous == nil || src.turn.Index > previous.turn.Index) {
			previous, warm = src, e.Handoff&State != 0
		}
		if e.Handoff&Text != 0 {
			spoken = append(spoken, src.spoken...)
			spoken = append(spoken, src.turn.Index)
		}
	}
	slices.Sort(spoken)
	spoken = slices.Compact(spoken)
	transcript := make([]thinker.Message, len(spoken))
	for i, h := range spoken {
		t := x.turns[h].turn
		transcript[i] = thinker.Message{Speaker: t.Agent, Question: t.Question, Text: t.Argument}
	}
	in := agents.Input{
		Snapshot:   x.snap,
		WarmStart:  warm,
		Transcript: transcript,
		Steps:      x.g.nodes[n].Steps,
		Seed:       debate.TurnSeed(x.seed, index),
	}
	if previous != nil {
		in.Previous = previous.turn.Thought
	}
	return in, spoken
}

// result collects the finished turns.
func (x *execution) result() *Result {
	x.mu.Lock()
	defer x.mu.Unlock()
	r := &Result{}
	indices := make([]int, 0, len(x.turns))
	for i := range x.turns {
		indices = append(indices, i)
	}
	slices.Sort(indices)
	for _, i := range indices {
		r.Turns = append(r.Turns, x.turns[i].turn)
	}
	for _, l := range x.loops {
		if l != nil {
			c := *l
			c.Changes = slices.Clone(l.Changes)
			r.Loops = append(r.Loops, c)
		}
	}
	if d := x.latest[x.g.decision]; d != nil {
		r.Decision = r.LastBy(d.turn.Agent)
	}
	return r
}
