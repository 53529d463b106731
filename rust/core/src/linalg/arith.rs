//! The arithmetic interface of the elimination kernels, and the driver that runs a trailing
//! update over row blocks (in parallel when allowed) while polling for interrupts.
//!
//! Two representations of F_p implement [`ModArith`]: centred residues in `f64` for primes below
//! `SMALL_PRIME_BOUND` (products go through the `dgemm` wrapper of `dgemm.rs`, see `small_prime.rs`) and
//! canonical `u64` residues with `u128` accumulation for the rest (`large_prime.rs`). Everything
//! above this trait (elimination, triangular solves, RREF, the incremental echelon form) is
//! written once, generically.

use super::mat::{MatMut, MatRef};
use crate::error::Result;
use crate::par::{Interrupt, Par};
use rayon::prelude::*;
use std::fmt::Debug;

/// A representation of F_p tuned for dense elimination. Elements are always fully reduced, so
/// `is_zero` is a plain comparison and results do not depend on the order of operations.
pub(crate) trait ModArith: Sync + Send {
    /// The stored element type.
    type E: Copy + Send + Sync + PartialEq + Default + Debug;

    /// Width of the column panels factored by scalar code at the leaves of the recursion
    /// (at most 64).
    const LEAF: usize;
    /// Size of the triangular systems solved directly at the leaves of `trsm.rs` (at most 64).
    const TRSM_LEAF: usize;
    /// Whether those leaves multiply by the inverse (one small product) rather than substitute.
    const INVERSE_LEAVES: bool;

    /// The element of `x mod p` (any `u64`; nothing is trusted to be reduced).
    fn encode(&self, x: u64) -> Self::E;
    /// The canonical residue in `[0, p)` of an element.
    fn decode(&self, e: Self::E) -> u64;
    /// True for the zero element.
    fn is_zero(&self, a: Self::E) -> bool;
    /// `1`.
    fn one(&self) -> Self::E;
    /// `-a`.
    fn neg(&self, a: Self::E) -> Self::E;
    /// `a * b`.
    fn mul(&self, a: Self::E, b: Self::E) -> Self::E;
    /// `1 / a` (`DivisionByZero` for `a == 0`, which the kernels never ask for).
    fn inv(&self, a: Self::E) -> Result<Self::E>;
    /// `c - sum_t a[t] b[t]`, reducing once per chunk of terms rather than once per product
    /// (the scalar work of the panels and small triangular solves).
    fn dot_sub(&self, c: Self::E, a: &[Self::E], b: &[Self::E]) -> Self::E;
    /// `dst[j] <- s * dst[j]` for all `j`.
    fn scale(&self, dst: &mut [Self::E], s: Self::E);
    /// The trailing update `C <- C - A B` over F_p (`A`: `m x k`, `B`: `k x n`, `C`: `m x n`),
    /// polling `intr` on the calling thread between blocks of work.
    fn gemm_sub(
        &self,
        c: MatMut<'_, Self::E>,
        a: MatRef<'_, Self::E>,
        b: MatRef<'_, Self::E>,
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<()>;
}

/// How a kernel likes its updates cut: about `step_work` multiply-adds per thread between two
/// interrupt polls, threads only for updates of at least `par_min_work`, row counts multiples
/// of `align` (the micro-kernel height), `blocks_per_thread` blocks per thread and step (more
/// balance the load, fewer repeat less packing).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScheduleParams {
    pub step_work: usize,
    pub par_min_work: usize,
    pub align: usize,
    pub blocks_per_thread: usize,
}

/// Row-block schedule of one update: `step_rows` rows are done between two interrupt polls,
/// split into blocks of `block_rows` rows that rayon may run on different threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowSchedule {
    pub step_rows: usize,
    pub block_rows: usize,
    pub parallel: bool,
}

impl RowSchedule {
    /// The schedule of `rows` rows costing `row_work` multiply-adds each.
    pub fn new(rows: usize, row_work: usize, params: &ScheduleParams, par: Par) -> Self {
        let align = params.align.max(1);
        let round = |x: usize| x.max(1).div_ceil(align) * align;
        let row_work = row_work.max(1);
        let parallel = par.is_parallel() && rows.saturating_mul(row_work) >= params.par_min_work;
        let threads = if parallel { par.threads() } else { 1 };
        // The threads work side by side, so a step may hold `threads` times the work.
        let step_rows = round(params.step_work.saturating_mul(threads) / row_work);
        let blocks = threads * params.blocks_per_thread.max(1);
        let block_rows = if parallel { round(step_rows.min(rows).div_ceil(blocks)) } else { step_rows };
        RowSchedule { step_rows, block_rows, parallel }
    }

    /// Runs `f(row_offset, block)` on every row block of `c`, polling `intr` before each step.
    /// Blocks are disjoint, so the result cannot depend on which thread ran which block.
    pub fn run<E: Send>(
        &self,
        c: MatMut<'_, E>,
        intr: &dyn Interrupt,
        f: impl Fn(usize, MatMut<'_, E>) + Sync,
    ) -> Result<()> {
        let mut rest = c;
        let mut offset = 0;
        while rest.rows() > 0 {
            intr.check()?;
            let h = self.step_rows.min(rest.rows());
            let (step, tail) = rest.split_rows_at(h);
            if self.parallel && h > self.block_rows {
                let mut blocks = Vec::with_capacity(h.div_ceil(self.block_rows));
                let mut s = step;
                let mut o = offset;
                while s.rows() > 0 {
                    let b = self.block_rows.min(s.rows());
                    let (head, t) = s.split_rows_at(b);
                    blocks.push((o, head));
                    o += b;
                    s = t;
                }
                blocks.into_par_iter().for_each(|(o, blk)| f(o, blk));
            } else {
                f(offset, step);
            }
            offset += h;
            rest = tail;
        }
        Ok(())
    }
}

/// Below this many element operations, splitting a pass over rows across threads costs more
/// than it saves.
const PAR_MIN_PASS: usize = 1 << 15;

/// Whether a pass of `work` element operations should use the rayon pool.
pub(crate) fn parallel_pass(par: Par, work: usize) -> bool {
    work >= PAR_MIN_PASS && par.is_parallel()
}

/// Splits `c` into about two row blocks per thread when `parallel` (else one block) and returns
/// `f(row_offset, block)` for each block, in row order.
pub(crate) fn map_row_blocks<E: Send, R: Send>(
    c: MatMut<'_, E>,
    parallel: bool,
    f: impl Fn(usize, MatMut<'_, E>) -> R + Sync,
) -> Vec<R> {
    if !parallel || c.rows() < 2 {
        return vec![f(0, c)];
    }
    let block = c.rows().div_ceil(2 * rayon::current_num_threads().max(1));
    let mut blocks = Vec::new();
    let (mut rest, mut offset) = (c, 0);
    while rest.rows() > 0 {
        let h = block.min(rest.rows());
        let (head, tail) = rest.split_rows_at(h);
        blocks.push((offset, head));
        offset += h;
        rest = tail;
    }
    blocks.into_par_iter().map(|(o, b)| f(o, b)).collect()
}

/// Copies the columns `cols` of every row of `src` into a contiguous `rows x cols.len()` buffer.
pub(crate) fn gather_cols<E: Copy + Default + Send + Sync>(
    src: MatRef<'_, E>,
    cols: &[usize],
    out: &mut Vec<E>,
    par: Par,
) {
    let k = cols.len();
    out.clear();
    out.resize(src.rows() * k, E::default());
    if k == 0 {
        return;
    }
    let fill = |row0: usize, chunk: &mut [E]| {
        for (i, dst) in chunk.chunks_exact_mut(k).enumerate() {
            let row = src.row(row0 + i);
            for (d, &c) in dst.iter_mut().zip(cols) {
                *d = row[c];
            }
        }
    };
    if parallel_pass(par, out.len()) {
        let rows = src.rows().div_ceil(2 * par.threads());
        out.par_chunks_mut(rows * k).enumerate().for_each(|(b, chunk)| fill(b * rows, chunk));
    } else {
        fill(0, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::mat::Mat;
    use crate::par::NoInterrupt;

    #[test]
    fn schedule_covers_every_row_once() {
        let mut c = Mat::<u64>::zeros(1001, 3);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| {
            let params = ScheduleParams { step_work: 50_000, par_min_work: 0, align: 2, blocks_per_thread: 2 };
            let s = RowSchedule::new(1001, 1000, &params, Par::from_threads(2));
            assert!(s.parallel && s.step_rows & 1 == 0 && s.block_rows & 1 == 0);
            s.run(c.view_mut(), &NoInterrupt, |off, mut blk| {
                for i in 0..blk.rows() {
                    blk.row_mut(i)[0] += (off + i) as u64 + 1;
                }
            })
            .unwrap();
        });
        assert!((0..1001).all(|i| c[(i, 0)] == i as u64 + 1));
    }

    #[test]
    fn gather_picks_columns() {
        let a = Mat::from_fn(2, 4, |i, j| (10 * i + j) as u64);
        let mut out = Vec::new();
        gather_cols(a.view(), &[3, 1], &mut out, Par::Seq);
        assert_eq!(out, vec![3, 1, 13, 11]);
        let big = Mat::from_fn(700, 90, |i, j| (i * 90 + j) as u64);
        let mut par_out = Vec::new();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| gather_cols(big.view(), &[5, 0, 89], &mut par_out, Par::from_threads(2)));
        gather_cols(big.view(), &[5, 0, 89], &mut out, Par::Seq);
        assert_eq!(out, par_out);
        assert_eq!(&out[3..6], &[95, 90, 179]);
    }
}
