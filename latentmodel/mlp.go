package latentmodel

// SwiGLU activation of the MLP: the fused up projection gives each row [gate | up], each of
// hidden columns, and the activation is silu(gate)·up with silu(g) = g·sigmoid(g).

// swiGLU sets act [rows, hidden] from up [rows, 2·hidden].
func swiGLU[F float](act, up []F, rows, hidden int) {
	for i := range rows {
		gate := up[i*2*hidden : i*2*hidden+hidden : i*2*hidden+hidden]
		u := up[i*2*hidden+hidden : (i+1)*2*hidden : (i+1)*2*hidden]
		a := act[i*hidden : (i+1)*hidden : (i+1)*hidden]
		sigmoidSlice(a, gate)
		for j, g := range gate {
			a[j] *= g * u[j]
		}
	}
}

// swiGLUBackward sets dup [rows, 2·hidden] from dact [rows, hidden], given the forward input up.
// silu'(g) = σ(g)·(1 + g·(1 − σ(g))).
func swiGLUBackward[F float](dup, dact, up []F, rows, hidden int) {
	for i := range rows {
		gate := up[i*2*hidden : i*2*hidden+hidden : i*2*hidden+hidden]
		u := up[i*2*hidden+hidden : (i+1)*2*hidden : (i+1)*2*hidden]
		dgate := dup[i*2*hidden : i*2*hidden+hidden : i*2*hidden+hidden]
		du := dup[i*2*hidden+hidden : (i+1)*2*hidden : (i+1)*2*hidden]
		da := dact[i*hidden : (i+1)*hidden : (i+1)*hidden]
		sigmoidSlice(du, gate) // du holds σ(gate) until overwritten below
		for j, g := range gate {
			s := du[j]
			du[j] = da[j] * g * s
			dgate[j] = da[j] * u[j] * s * (1 + g*(1-s))
		}
	}
}
