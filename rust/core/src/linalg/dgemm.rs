//! The one `unsafe` door to a BLAS-grade `f64` matrix product (the `gemm` crate, which picks
//! AVX-512 / AVX2+FMA / SSE kernels at run time and splits work over the installed rayon pool).
//!
//! Everything in neurocore that multiplies `f64` matrices goes through [`dgemm`]: the trailing
//! updates of the elimination modulo small primes, the limb products of the large-prime kernel,
//! the exact integer products of Dixon lifting and the normal matrix of Levenberg-Marquardt.
//! Exactness arguments for integer-valued inputs live with the callers: the product is exact
//! whenever every partial sum `sum_t |a_it b_tj|` (plus `|c_ij|` when accumulating) is an integer
//! below `2^53`, because then no operation of any summation order, fused or not, rounds.

use super::mat::{MatMut, MatRef};
use crate::par::Par;

/// An operand of [`dgemm`]: a row-major view, or the transpose of one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Op<'a> {
    /// The matrix itself.
    N(MatRef<'a, f64>),
    /// Its transpose (read through swapped strides, no copy).
    T(MatRef<'a, f64>),
}

impl Op<'_> {
    /// `(rows, cols)` of the operand as used in the product.
    fn shape(&self) -> (usize, usize) {
        match self {
            Op::N(a) => (a.rows(), a.cols()),
            Op::T(a) => (a.cols(), a.rows()),
        }
    }

    /// `(pointer, row stride, column stride)` of the operand as used in the product.
    fn raw(&self) -> (*const f64, isize, isize) {
        match self {
            Op::N(a) => (a.as_ptr(), a.stride() as isize, 1),
            Op::T(a) => (a.as_ptr(), 1, a.stride() as isize),
        }
    }
}

/// `C <- (C if accumulate, else 0) + alpha op(A) op(B)`.
///
/// Panics when the shapes disagree (a bug in the caller, never reachable from input). With
/// `par` sequential the product runs on the calling thread and is deterministic; otherwise it
/// uses up to `par.threads()` threads of the installed rayon pool.
pub(crate) fn dgemm(mut c: MatMut<'_, f64>, accumulate: bool, alpha: f64, a: Op<'_>, b: Op<'_>, par: Par) {
    let ((m, k), (kb, n)) = (a.shape(), b.shape());
    assert!(
        kb == k && c.rows() == m && c.cols() == n,
        "dgemm: shapes ({m}x{k}) ({kb}x{n}) -> ({}x{})",
        c.rows(),
        c.cols()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                c.row_mut(i).fill(0.0);
            }
        }
        return;
    }
    let (pa, rsa, csa) = a.raw();
    let (pb, rsb, csb) = b.raw();
    let rsc = c.stride() as isize;
    let parallelism = if par.is_parallel() { gemm::Parallelism::Rayon(par.threads()) } else { gemm::Parallelism::None };
    // SAFETY: `MatRef`/`MatMut` guarantee that entry (i, j) of a view lies at `i * stride + j`
    // inside its slice, so the strided accesses `gemm` makes to op(A) (m x k), op(B) (k x n) and
    // C (m x n) stay in bounds (shapes checked above, all nonzero). `c` is an exclusive borrow,
    // so C aliases neither input, and `gemm` only reads C when `accumulate` (`read_dst`).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            rsc,
            accumulate,
            pa,
            csa,
            rsa,
            pb,
            csb,
            rsb,
            1.0,
            alpha,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::mat::Mat;

    #[test]
    fn products_are_exact_for_integer_entries_with_every_operand_layout() {
        // Entries up to 2^21 and k = 300: partial sums below 2^51, so every result is the exact
        // integer, compared with i128 arithmetic.
        let (m, k, n) = (37usize, 300usize, 29usize);
        let a = Mat::from_fn(m, k, |i, j| ((i * 7919 + j * 31) % 4_000_000) as f64 - 2e6);
        let b = Mat::from_fn(k, n, |i, j| ((i * 104_729 + j * 17) % 4_000_000) as f64 - 2e6);
        let (at, bt) = (a.transpose(), b.transpose());
        let expect = |i: usize, j: usize, c0: f64, alpha: i128| {
            c0 as i128 + alpha * (0..k).map(|t| a[(i, t)] as i128 * b[(t, j)] as i128).sum::<i128>()
        };
        let ops = [(Op::N(a.view()), Op::N(b.view())), (Op::T(at.view()), Op::T(bt.view()))];
        for (oa, ob) in ops {
            for (accumulate, par) in [(true, Par::Seq), (false, Par::from_threads(2))] {
                let mut c = Mat::from_fn(m, n, |i, j| (i + 3 * j) as f64);
                let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
                pool.install(|| dgemm(c.view_mut(), accumulate, -1.0, oa, ob, par));
                for i in 0..m {
                    for j in 0..n {
                        let c0 = if accumulate { (i + 3 * j) as f64 } else { 0.0 };
                        assert_eq!(c[(i, j)] as i128, expect(i, j, c0, -1), "({i},{j})");
                    }
                }
            }
        }
        let mut c = Mat::from_fn(2, 2, |_, _| 5.0);
        let empty = Mat::<f64>::zeros(2, 0);
        let empty_t = Mat::<f64>::zeros(0, 2);
        dgemm(c.view_mut(), false, 1.0, Op::N(empty.view()), Op::N(empty_t.view()), Par::Seq);
        assert_eq!(c.as_slice(), &[0.0; 4]);
    }

    /// The dgemm peak of this machine through the one wrapper (issue "scale", item 3), printed;
    /// a measurement, not a check: `cargo test --release -p neurocore-core --lib dgemm_peak --
    /// --ignored --nocapture` (compare `benches/bench_elimination_peak.py`).
    #[test]
    #[ignore]
    fn dgemm_peak() {
        for n in [2000usize, 3000] {
            let a = Mat::from_fn(n, n, |i, j| ((i * 31 + j * 17) % 1000) as f64);
            let b = a.transpose();
            for threads in [1usize, 2] {
                let par = Par::from_threads(threads);
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let mut c = Mat::<f64>::zeros(n, n);
                let mut best = f64::INFINITY;
                for _ in 0..3 {
                    let t0 = std::time::Instant::now();
                    pool.install(|| dgemm(c.view_mut(), false, 1.0, Op::N(a.view()), Op::N(b.view()), par));
                    best = best.min(t0.elapsed().as_secs_f64());
                }
                println!("dgemm n={n} threads={threads}: {:.1} GFlop/s", 2.0 * (n as f64).powi(3) / best / 1e9);
            }
        }
    }
}
