package latentmodel

import "math"

// Causal multi-head attention over days. q, k and v are [days, width] with head h in columns
// h·headDim..(h+1)·headDim. Attention weights are stored per query row as [heads, days], so the
// full matrix is [days, heads, days] and row i uses columns 0..i of each head.

// attendRow sets ctx [width] to the attention output of query row q [width] at day i, attending
// to days 0..i of k and v, and stores the weights in prob [heads, days].
func attendRow[F float](ctx, prob, q, k, v []F, i int, dm dims) {
	w, d, days := dm.width, dm.headDim, dm.days
	scale := 1 / math.Sqrt(float64(d))
	for h := range dm.heads {
		qh := q[h*d : (h+1)*d : (h+1)*d]
		ph := prob[h*days : (h+1)*days : (h+1)*days]
		for j := range i + 1 {
			ph[j] = dot(qh, k[j*w+h*d:j*w+(h+1)*d])
		}
		causalSoftmax(ph, i, scale)
		ch := ctx[h*d : (h+1)*d : (h+1)*d]
		clear(ch)
		for j, p := range ph[:i+1] {
			axpy(p, v[j*w+h*d:j*w+(h+1)*d], ch)
		}
	}
}

// attention sets ctx [days, width] and probs [days, heads, days] for all query rows; kt is
// scratch of at least headDim·days elements. Per head it computes the full score matrix Q·Kᵀ and
// the full product P·V with the tiled matrix kernels and gives the entries above the diagonal
// zero weight. That is about twice the causal arithmetic, but the tiled kernels more than make up
// for it.
func attention[F float](ctx, probs, q, k, v, kt []F, dm dims) {
	w, d, days, heads := dm.width, dm.headDim, dm.days, dm.heads
	ph := heads * days
	scale := 1 / math.Sqrt(float64(d))
	clear(probs[:days*ph])
	clear(ctx[:days*w])
	for h := range heads {
		transposeHead(kt, k, h, dm)
		gemm(probs[h*days:], q[h*d:], kt, w, 1, days, ph, days, days, d)
		for i := range days {
			causalSoftmax(probs[i*ph+h*days:i*ph+(h+1)*days], i, scale)
		}
		gemm(ctx[h*d:], probs[h*days:], v[h*d:], ph, 1, w, w, days, d, days)
	}
}

// transposeHead sets dst [headDim, days] to the columns of head h of src [days, width], so that
// products with the head's rows run as plain row-major matrix products.
func transposeHead[F float](dst, src []F, h int, dm dims) {
	w, d, days := dm.width, dm.headDim, dm.days
	for i := range days {
		for j, v := range src[i*w+h*d : i*w+(h+1)*d] {
			dst[j*days+i] = v
		}
	}
}

// causalSoftmax replaces row [days] of raw scores with softmax(scale·row) over columns 0..i and
// zeros after i.
func causalSoftmax[F float](row []F, i int, scale float64) {
	sc := F(scale)
	seen := row[:i+1]
	top := seen[0]
	for _, s := range seen {
		top = max(top, s)
	}
	top *= sc
	for j, s := range seen {
		seen[j] = s*sc - top
	}
	expSlice(seen, seen)
	var sum float64
	for _, e := range seen {
		sum += float64(e)
	}
	norm := F(1 / sum)
	for j := range seen {
		seen[j] *= norm
	}
	clear(row[i+1:])
}

// attentionBackward sets dq, dk and dv [days, width] from dctx, given the forward q, k, v and
// probs. tmp is scratch of at least (days+headDim)·days elements. For softmax weights p of
// scores s:
// ds_j = p_j·(dp_j − Σ p·dp), with dp_j = dctx·v_j.
func attentionBackward[F float](dq, dk, dv, dctx, q, k, v, probs, tmp []F, dm dims) {
	w, d, days, heads := dm.width, dm.headDim, dm.days, dm.heads
	ph := heads * days
	clear(dq[:days*w])
	clear(dk[:days*w])
	clear(dv[:days*w])
	scale := F(1 / math.Sqrt(float64(d)))
	ds := tmp[:days*days]                // [days, days] dp, then ds, of one head
	vt := tmp[days*days : (days+d)*days] // [headDim, days] values of one head, transposed
	for h := range heads {
		clear(ds)
		transposeHead(vt, v, h, dm)
		gemm(ds, dctx[h*d:], vt, w, 1, days, days, days, days, d)
		gemm(dv[h*d:], probs[h*days:], dctx[h*d:], 1, ph, w, w, days, d, days)
		for i := range days {
			p := probs[i*ph+h*days : i*ph+h*days+i+1]
			row := ds[i*days : i*days+i+1]
			total := dot(p, row)
			for j, pj := range p {
				row[j] = pj * (row[j] - total) * scale
			}
			clear(ds[i*days+i+1 : (i+1)*days])
		}
		gemm(dq[h*d:], ds, k[h*d:], days, 1, w, w, days, d, days)
		gemm(dk[h*d:], ds, q[h*d:], 1, days, w, w, days, d, days)
	}
}
