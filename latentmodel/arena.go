package latentmodel

// arena hands out zeroed scratch slices for one call and keeps its memory for the next call, so
// a forward or backward pass allocates nothing once warmed up. It is not safe for concurrent use:
// each call takes its own arena from the model's pool.
type arena[F float] struct {
	buf  []F
	off  int
	want int // elements requested since the last reset
}

// alloc returns a zeroed slice of n elements, valid until the next reset.
func (a *arena[F]) alloc(n int) []F {
	a.want += n
	if a.off+n > len(a.buf) {
		// The buffer is too small for this call; reset grows it for the next one.
		return make([]F, n)
	}
	s := a.buf[a.off : a.off+n : a.off+n]
	a.off += n
	clear(s)
	return s
}

// reset releases every slice handed out, growing the buffer to what the last call needed.
func (a *arena[F]) reset() {
	if a.want > len(a.buf) {
		a.buf = make([]F, a.want)
	}
	a.off, a.want = 0, 0
}
