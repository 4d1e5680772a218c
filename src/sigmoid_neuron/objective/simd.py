"""Explicit SIMD loops for the fused kernel, with a summation order fixed by the source.

Two numba intrinsics, written directly in LLVM IR with vector types, both accumulating
in float64 (float32 rows are widened lane by lane, exactly):

``row_dot(X, i, w)``
    ``sum_j X[i, j] w[j]``. A vector holds :data:`VECTOR_BYTES` of ``X`` (``L`` = 4
    float64 or 8 float32 lanes); :data:`UNROLL` vector accumulators take consecutive
    slices of the row (fused multiply-add), a partial last slice is a masked vector
    over the row's final ``L`` entries, and the accumulators are added pairwise, then
    their lanes pairwise.
``rows_axpy(X, s0, m, g, acc)``
    ``acc[j] += sum_{r < m} g[r] X[s0 + r, j]``. Columns go in blocks of
    ``AXPY_UNROLL * L``; a block's accumulators stay in registers while the rows stream
    past (each row: one broadcast of ``g[r]``, one fused multiply-add per vector), so
    ``acc`` is read and written once per block instead of once per row. Every
    ``acc[j]`` is a sum over the rows in order: from ``acc[j]`` itself for whole slices,
    from zero (then added to ``acc[j]``) for the columns of the overlapping last slice.

Why not let the compiler vectorise plain loops? A dot product is a reduction, and LLVM
vectorises a reduction only when allowed to reassociate (``fastmath`` "reassoc"); how
it then splits the sum was seen to differ between a freshly compiled kernel and the
same kernel loaded from numba's cache, so two processes disagreed in the last bit.
Here the order of every addition is written out: every process, every thread count
and every compilation computes the same bits. (``llvm.fma`` is used explicitly, so
contraction does not depend on the optimiser either.)

For ``d < L`` both fall back to scalar loops (still float64, same fixed order).
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["AXPY_UNROLL", "UNROLL", "VECTOR_BYTES", "row_dot", "rows_axpy"]

#: bytes of X per vector load: 4 float64 or 8 float32 lanes (one AVX2 register; a
#: row of 32-byte multiples never splits a load across cache lines)
VECTOR_BYTES = 32
#: independent vector accumulators of a row dot product
UNROLL = 4
#: column slices updated per pass over the rows (one dependency chain each: the
#: multiply-add latency is hidden only with enough of them)
AXPY_UNROLL = 16

_I32 = ir.IntType(32)
_F64 = ir.DoubleType()


def _is_rows(X: Any) -> bool:
    return (
        isinstance(X, types.Array)
        and X.ndim == 2
        and X.layout == "C"
        and X.dtype in (types.float32, types.float64)
    )


def _is_f64_vector(a: Any) -> bool:
    return (
        isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C" and a.dtype == types.float64
    )


class _Emitter:
    """IR helpers shared by the two intrinsics (one instance per code generation)."""

    def __init__(self, context: Any, builder: Any, x_type: Any, intp: Any) -> None:
        self.b = builder
        self.intp = intp
        self.xel = context.get_data_type(x_type.dtype)
        self.wide = x_type.dtype == types.float32
        self.lanes = lanes = VECTOR_BYTES // (4 if self.wide else 8)
        self.vx = ir.VectorType(self.xel, lanes)
        self.vd = ir.VectorType(_F64, lanes)
        module = builder.module
        self._vfma = cgutils.get_or_insert_function(
            module, ir.FunctionType(self.vd, [self.vd, self.vd, self.vd]), f"llvm.fma.v{lanes}f64"
        )
        self._sfma = cgutils.get_or_insert_function(
            module, ir.FunctionType(_F64, [_F64, _F64, _F64]), "llvm.fma.f64"
        )
        self.zero = ir.Constant(self.vd, [0.0] * lanes)
        self.lane_ids = ir.Constant(ir.VectorType(self.intp, lanes), list(range(lanes)))

    def const(self, value: int) -> Any:
        return ir.Constant(self.intp, value)

    def _ptr(self, base: Any, offset: Any, vt: Any) -> Any:
        return self.b.bitcast(self.b.gep(base, [offset]), vt.as_pointer())

    def load_x(self, base: Any, offset: Any) -> Any:
        """``LANES`` entries of X at ``base + offset``, widened to float64."""
        v = self.b.load(self._ptr(base, offset, self.vx), align=4 if self.wide else 8)
        return self.b.fpext(v, self.vd) if self.wide else v

    def load_x1(self, base: Any, offset: Any) -> Any:
        v = self.b.load(self.b.gep(base, [offset]))
        return self.b.fpext(v, _F64) if self.wide else v

    def load_d(self, base: Any, offset: Any) -> Any:
        return self.b.load(self._ptr(base, offset, self.vd), align=8)

    def store_d(self, value: Any, base: Any, offset: Any) -> None:
        self.b.store(value, self._ptr(base, offset, self.vd), align=8)

    def vfma(self, a: Any, b: Any, c: Any) -> Any:
        return self.b.call(self._vfma, [a, b, c])

    def sfma(self, a: Any, b: Any, c: Any) -> Any:
        return self.b.call(self._sfma, [a, b, c])

    def splat(self, value: Any, vt: Any) -> Any:
        one = self.b.insert_element(ir.Constant(vt, ir.Undefined), value, ir.Constant(_I32, 0))
        mask = ir.Constant(ir.VectorType(_I32, self.lanes), [0] * self.lanes)
        return self.b.shuffle_vector(one, ir.Constant(vt, ir.Undefined), mask)

    def tail_mask(self, tail: Any) -> Any:
        """Lanes ``k >= LANES - tail`` (the last ``tail`` of a vector ending at ``d``)."""
        first = self.b.sub(self.const(self.lanes), tail)
        return self.b.icmp_unsigned(">=", self.lane_ids, self.splat(first, self.lane_ids.type))

    def variable(self, value: Any) -> Any:
        return cgutils.alloca_once_value(self.b, value)

    def loop(self, start: Any, stop: Any) -> Any:
        """``for k in range(start, stop)`` (yields ``(k, count)``)."""
        return cgutils.for_range_slice(self.b, start, stop, self.const(1), inc=True)

    def pairwise(self, values: list[Any]) -> Any:
        while len(values) > 1:
            values = [self.b.fadd(values[k], values[k + 1]) for k in range(0, len(values), 2)]
        return values[0]


@intrinsic
def row_dot(typingctx: Any, X: Any, i: Any, w: Any) -> Any:
    """``sum_j X[i, j] w[j]`` in float64 (``X`` C-ordered float32/64, ``w`` float64)."""
    if not (_is_rows(X) and isinstance(i, types.Integer) and _is_f64_vector(w)):
        return None
    sig = types.float64(X, types.intp, w)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        xarr = context.make_array(signature.args[0])(context, builder, args[0])
        warr = context.make_array(signature.args[2])(context, builder, args[2])
        _, d = cgutils.unpack_tuple(builder, xarr.shape, 2)
        e = _Emitter(context, builder, signature.args[0], d.type)
        lanes = e.lanes
        row = builder.gep(xarr.data, [builder.mul(args[1], d)])
        wp = warr.data
        result = e.variable(ir.Constant(_F64, 0.0))

        def add_slice(acc: Any, off: Any, mask: Any = None) -> None:
            xv, wv = e.load_x(row, off), e.load_d(wp, off)
            if mask is not None:
                xv, wv = builder.select(mask, xv, e.zero), builder.select(mask, wv, e.zero)
            builder.store(e.vfma(xv, wv, builder.load(acc)), acc)

        with builder.if_else(builder.icmp_unsigned(">=", d, e.const(lanes))) as (vector, scalar):
            with vector:
                accs = [e.variable(e.zero) for _ in range(UNROLL)]
                width = UNROLL * lanes
                n_big = builder.udiv(d, e.const(width))
                with e.loop(e.const(0), n_big) as (q, _):
                    base = builder.mul(q, e.const(width))
                    for u, acc in enumerate(accs):
                        add_slice(acc, builder.add(base, e.const(u * lanes)))
                n_vec = builder.udiv(d, e.const(lanes))
                with e.loop(builder.mul(n_big, e.const(UNROLL)), n_vec) as (q, _):
                    add_slice(accs[0], builder.mul(q, e.const(lanes)))
                tail = builder.urem(d, e.const(lanes))
                with builder.if_then(builder.icmp_unsigned("!=", tail, e.const(0))):
                    # the row's last `lanes` entries, the already counted ones masked out
                    add_slice(accs[0], builder.sub(d, e.const(lanes)), e.tail_mask(tail))
                total = e.pairwise([builder.load(a) for a in accs])
                parts = [builder.extract_element(total, ir.Constant(_I32, k)) for k in range(lanes)]
                builder.store(e.pairwise(parts), result)
            with scalar, e.loop(e.const(0), d) as (j, _):
                wj = builder.load(builder.gep(wp, [j]))
                builder.store(e.sfma(e.load_x1(row, j), wj, builder.load(result)), result)
        return builder.load(result)

    return sig, codegen


@intrinsic
def rows_axpy(typingctx: Any, X: Any, s0: Any, m: Any, g: Any, acc: Any) -> Any:
    """``acc[j] += sum_{r < m} g[r] X[s0 + r, j]`` in float64 (``g``, ``acc`` float64)."""
    if not (
        _is_rows(X)
        and isinstance(s0, types.Integer)
        and isinstance(m, types.Integer)
        and _is_f64_vector(g)
        and _is_f64_vector(acc)
    ):
        return None
    sig = types.void(X, types.intp, types.intp, g, acc)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        xarr = context.make_array(signature.args[0])(context, builder, args[0])
        garr = context.make_array(signature.args[3])(context, builder, args[3])
        aarr = context.make_array(signature.args[4])(context, builder, args[4])
        _, d = cgutils.unpack_tuple(builder, xarr.shape, 2)
        e = _Emitter(context, builder, signature.args[0], d.type)
        lanes = e.lanes
        m = args[2]
        xbase = builder.gep(xarr.data, [builder.mul(args[1], d)])
        gp, ap = garr.data, aarr.data

        def stream(offsets: list[Any], last: Any = None) -> None:
            """One pass over the rows updating the column slices at ``offsets``.

            Their accumulators start from ``acc`` and are stored back after the pass.
            ``last``: the number of columns (``1 <= last < lanes``) left over at the end
            of a row; that slice is the row's final ``lanes`` entries, accumulated from
            zero, and only its last ``last`` lanes are then added into ``acc``.
            """
            starts = [(off, e.load_d(ap, off)) for off in offsets]
            if last is not None:
                starts.append((builder.sub(d, e.const(lanes)), e.zero))
            accs = [(off, e.variable(value)) for off, value in starts]
            with cgutils.for_range(builder, m) as loop:
                r = loop.index
                gv = e.splat(builder.load(builder.gep(gp, [r])), e.vd)
                row = builder.gep(xbase, [builder.mul(r, d)])
                for off, a in accs:
                    builder.store(e.vfma(e.load_x(row, off), gv, builder.load(a)), a)
            for off, a in accs[: len(offsets)]:
                e.store_d(builder.load(a), ap, off)
            if last is not None:
                off, a = accs[-1]
                old = e.load_d(ap, off)
                new = builder.fadd(old, builder.load(a))
                e.store_d(builder.select(e.tail_mask(last), new, old), ap, off)

        with builder.if_else(builder.icmp_unsigned(">=", d, e.const(lanes))) as (vector, scalar):
            with vector:
                width = AXPY_UNROLL * lanes
                n_big = builder.udiv(d, e.const(width))
                with e.loop(e.const(0), n_big) as (q, _):
                    j0 = builder.mul(q, e.const(width))
                    stream([builder.add(j0, e.const(u * lanes)) for u in range(AXPY_UNROLL)])
                # the rest in one pass: `whole` = 0 .. AXPY_UNROLL - 1 whole slices, plus
                # the overlapping last slice when `lanes` does not divide d: one case each
                base = builder.mul(n_big, e.const(width))
                n_vec = builder.udiv(d, e.const(lanes))
                whole = builder.sub(n_vec, builder.mul(n_big, e.const(AXPY_UNROLL)))
                tail = builder.urem(d, e.const(lanes))
                has_tail = builder.zext(builder.icmp_unsigned("!=", tail, e.const(0)), d.type)
                done = builder.append_basic_block("axpy.rest.done")
                switch = builder.switch(builder.add(builder.mul(whole, e.const(2)), has_tail), done)
                for n_whole in range(AXPY_UNROLL):
                    for with_tail in (False, True):
                        if n_whole == 0 and not with_tail:
                            continue
                        block = builder.append_basic_block(f"axpy.rest.{n_whole}.{with_tail:d}")
                        switch.add_case(ir.Constant(d.type, 2 * n_whole + with_tail), block)
                        builder.position_at_end(block)
                        offsets = [builder.add(base, e.const(u * lanes)) for u in range(n_whole)]
                        stream(offsets, tail if with_tail else None)
                        builder.branch(done)
                builder.position_at_end(done)
            with scalar, e.loop(e.const(0), d) as (j, _):
                slot = builder.gep(ap, [j])
                total = e.variable(builder.load(slot))
                with cgutils.for_range(builder, m) as loop:
                    r = loop.index
                    x = e.load_x1(xbase, builder.add(builder.mul(r, d), j))
                    gr = builder.load(builder.gep(gp, [r]))
                    builder.store(e.sfma(x, gr, builder.load(total)), total)
                builder.store(builder.load(total), slot)
        return context.get_dummy_value()

    return sig, codegen
