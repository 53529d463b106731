//! F_p for primes `p < 2^23` as centred residues stored in `f64`, with the trailing updates done
//! by [`dgemm`]: the one `f64` arithmetic modulo a prime in neurocore (the elimination kernel,
//! and the Dixon lifting of `exact/` through [`F64Arith::matmul`]).
//!
//! Why it is exact: a centred residue has `|a| <= (p - 1) / 2 <= 2^22 - 1`, so a product has
//! `|a b| < 2^44`, and `C - sum_{t < 512} a_t b_t` with `|C| < 2^22` stays below `2^53` in absolute
//! value at every partial sum, whatever order the GEMM adds in. Every intermediate is therefore
//! an integer a double represents exactly, so no rounding ever happens; we reduce after each
//! inner chunk of at most `k_chunk` terms (512 for primes just below `2^23`; smaller primes
//! allow longer chunks, e.g. 32768 below `2^20`, capped at 16384). (This is the floating-point approach of
//! Dumas, Giorgi and Pernet, "FFPACK: finite field linear algebra package", ISSAC 2004.)

use super::arith::{map_row_blocks, parallel_pass, ModArith, ScheduleParams};
use super::dgemm::{dgemm, Op};
use super::mat::{MatMut, MatRef};
use crate::error::{CoreError, Result};
use crate::par::{Interrupt, Par};
use crate::ring::primes::SMALL_PRIME_BOUND;
use crate::ring::{Field, PrimeField};

/// Upper limit on the inner dimension summed by one `dgemm` call (keeps interrupt polls and
/// packing buffers bounded for the smallest primes).
const K_CHUNK_MAX: usize = 1 << 14;

/// About 10 ms of `dgemm` per thread between polls (at 25-50 Gflop/s), one block per thread and
/// step: every `dgemm` call packs its whole `B` again, so blocks are kept as tall as possible.
const SCHEDULE: ScheduleParams =
    ScheduleParams { step_work: 1 << 28, par_min_work: 1 << 21, align: 8, blocks_per_thread: 1 };

/// `1.5 * 2^52`: adding and subtracting it rounds a double below `2^51` to the nearest integer
/// using only SSE2 additions (no `roundsd`, which baseline x86-64 lacks).
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// F_p (`p < 2^23`) with elements the centred residues `-(p-1)/2 ..= (p-1)/2` as `f64`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct F64Arith {
    field: PrimeField,
    p: f64,
    p_inv: f64,
    half: f64,
    /// Inner dimension summed before reducing: the largest `k` with
    /// `k ((p-1)/2)^2 + (p-1)/2 < 2^53` (512 just below `2^23`, 32768 below `2^20`).
    k_chunk: usize,
    /// The CPU has AVX (checked once): the reduction pass after each product then runs on
    /// four doubles at a time instead of SSE2's two.
    avx: bool,
}

impl F64Arith {
    /// The arithmetic of `field`; `None` unless `p < SMALL_PRIME_BOUND`.
    pub fn new(field: &PrimeField) -> Option<Self> {
        let p = field.modulus();
        if p >= SMALL_PRIME_BOUND {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        let avx = std::arch::is_x86_feature_detected!("avx");
        #[cfg(not(target_arch = "x86_64"))]
        let avx = false;
        let half_int = (p - 1) / 2;
        let exact_limit = (((1u64 << 53) - 1 - half_int) / (half_int * half_int)).clamp(1, K_CHUNK_MAX as u64) as usize;
        // Whole multiples of the GEMM's own depth blocking (256) pack best.
        let k_chunk = if exact_limit >= 256 { exact_limit / 256 * 256 } else { exact_limit };
        let half = half_int as f64;
        Some(F64Arith { field: *field, p: p as f64, p_inv: 1.0 / p as f64, half, k_chunk, avx })
    }

    /// The arithmetic modulo a prime `p < SMALL_PRIME_BOUND` given as an integer.
    pub fn for_prime(p: u64) -> Result<Self> {
        let field = PrimeField::new(p)?;
        Self::new(&field).ok_or_else(|| CoreError::invalid("p", format!("{p} is not below {SMALL_PRIME_BOUND}")))
    }

    /// The prime.
    #[inline]
    pub fn modulus(&self) -> u64 {
        self.field.modulus()
    }

    /// The centred residue of a canonical residue `0 <= a < p`, or of any `u64`.
    #[inline]
    pub fn centre(&self, a: u64) -> f64 {
        self.encode(a)
    }

    /// `C = A B mod p` (centred) for centred row-major `A` (`m x k`) and `B` (`k x n`) and
    /// `C` (`m x n`), sequentially: chunks of `k_chunk` terms, reduced after each.
    pub fn matmul(&self, m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) -> Result<()> {
        let c = &mut c[..m * n];
        c.fill(0.0);
        let (a, b) = (MatRef::new(a, m, k, k)?, MatRef::new(b, k, n, n)?);
        let mut cv = MatMut::new(c, m, n, n)?;
        let mut k0 = 0;
        while k0 < k {
            let kc = self.k_chunk.min(k - k0);
            dgemm(cv.rb_mut(), true, 1.0, Op::N(a.submatrix(0, k0, m, kc)), Op::N(b.submatrix(k0, 0, kc, n)), Par::Seq);
            self.reduce_block(cv.rb_mut(), Par::Seq);
            k0 += kc;
        }
        Ok(())
    }

    /// The centred residue of an integer-valued `x` with `|x| < 2^53` and `|x / p| < 2^50`
    /// (true of everything a 512-term update produces: `|x| <= 512 ((p-1)/2)^2 + (p-1)/2`).
    ///
    /// `q = round(x / p)` is computed from `x * fl(1/p)`, whose error is below `2^-20`, so `q` is
    /// the nearest integer or off by one when `x / p` is within `2^-20` of a half-integer; then
    /// `x - q p` (exact: both terms are integers below `2^53`) lies within `p / 2 + 8` of zero and
    /// one conditional correction lands it in the centred range. Branch-free, so it vectorises.
    #[inline(always)]
    pub fn reduce(&self, x: f64) -> f64 {
        let q = (x * self.p_inv + ROUND_MAGIC) - ROUND_MAGIC;
        let r = x - q * self.p;
        let r = if r > self.half { r - self.p } else { r };
        if r < -self.half {
            r + self.p
        } else {
            r
        }
    }

    /// Reduces every entry of `c` (after a `dgemm` left it below `2^53` in absolute value),
    /// over row blocks in parallel when `par` allows and the block is large.
    fn reduce_block(&self, c: MatMut<'_, f64>, par: Par) {
        let parallel = parallel_pass(par, 4 * c.rows() * c.cols());
        map_row_blocks(c, parallel, |_, mut blk| {
            for i in 0..blk.rows() {
                self.reduce_all(blk.row_mut(i));
            }
        });
    }

    /// Reduces a buffer of integer-valued doubles below `2^53` in absolute value in place.
    pub fn reduce_all(&self, xs: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx {
            // SAFETY: `avx` is true only when the running CPU reported AVX.
            unsafe { self.reduce_slice_avx(xs) };
            return;
        }
        self.reduce_slice(xs);
    }

    #[inline(always)]
    fn reduce_slice(&self, xs: &mut [f64]) {
        for x in xs {
            *x = self.reduce(*x);
        }
    }

    /// [`Self::reduce_slice`] compiled for AVX (same operations, so the same results).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn reduce_slice_avx(&self, xs: &mut [f64]) {
        self.reduce_slice(xs)
    }
}

impl ModArith for F64Arith {
    type E = f64;
    const LEAF: usize = 8;
    const TRSM_LEAF: usize = 32;
    const INVERSE_LEAVES: bool = true;

    #[inline]
    fn encode(&self, x: u64) -> f64 {
        self.field.centered(self.field.reduce_u64(x)) as f64
    }

    #[inline]
    fn decode(&self, e: f64) -> u64 {
        let v = e as i64;
        if v < 0 {
            (v + self.p as i64) as u64
        } else {
            v as u64
        }
    }

    #[inline]
    fn is_zero(&self, a: f64) -> bool {
        a == 0.0
    }

    #[inline]
    fn one(&self) -> f64 {
        1.0
    }

    #[inline]
    fn neg(&self, a: f64) -> f64 {
        // The centred range is symmetric; `+ 0.0` turns `-0.0` into `0.0` so output is canonical.
        -a + 0.0
    }

    #[inline]
    fn mul(&self, a: f64, b: f64) -> f64 {
        self.reduce(a * b)
    }

    fn inv(&self, a: f64) -> Result<f64> {
        let i = self.field.inv(&self.decode(a))?;
        Ok(self.encode(i))
    }

    #[inline]
    fn dot_sub(&self, c: f64, a: &[f64], b: &[f64]) -> f64 {
        debug_assert_eq!(a.len(), b.len());
        // A reduced value minus k_chunk - 1 products stays below 2^53 (module docs).
        let step = self.k_chunk.saturating_sub(1).max(1);
        let mut acc = c;
        for (i, (ca, cb)) in a.chunks(step).zip(b.chunks(step)).enumerate() {
            if i > 0 {
                acc = self.reduce(acc);
            }
            for (x, y) in ca.iter().zip(cb) {
                acc -= x * y;
            }
        }
        self.reduce(acc)
    }

    #[inline]
    fn scale(&self, dst: &mut [f64], s: f64) {
        for d in dst {
            *d = self.reduce(*d * s);
        }
    }

    /// `C <- C - A B` with [`dgemm`] on inner chunks of at most `k_chunk` and a reduction after
    /// each. Rows are done in steps (an interrupt poll between two); each step is one `dgemm`
    /// call that splits its work over the threads itself, so the packed `B` is shared.
    fn gemm_sub(
        &self,
        c: MatMut<'_, f64>,
        a: MatRef<'_, f64>,
        b: MatRef<'_, f64>,
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<()> {
        let (m, k, n) = (c.rows(), a.cols(), c.cols());
        debug_assert!(a.rows() == m && b.rows() == k && b.cols() == n);
        if m == 0 || n == 0 || k == 0 {
            return Ok(());
        }
        let parallel = par.is_parallel() && m * k * n >= SCHEDULE.par_min_work;
        let threads = if parallel { par.threads() } else { 1 };
        let step = (SCHEDULE.step_work * threads / (k * n).max(1)).max(1).div_ceil(SCHEDULE.align) * SCHEDULE.align;
        let par = if parallel { par } else { Par::Seq };
        let mut rest = c;
        let mut row0 = 0;
        while rest.rows() > 0 {
            intr.check()?;
            let h = step.min(rest.rows());
            let (mut cb, tail) = rest.split_rows_at(h);
            let mut k0 = 0;
            while k0 < k {
                let kc = self.k_chunk.min(k - k0);
                let ab = a.submatrix(row0, k0, h, kc);
                let bb = b.submatrix(k0, 0, kc, n);
                dgemm(cb.rb_mut(), true, -1.0, Op::N(ab), Op::N(bb), par);
                self.reduce_block(cb.rb_mut(), par);
                k0 += kc;
            }
            row0 += h;
            rest = tail;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::mat::Mat;
    use crate::par::NoInterrupt;
    use crate::ring::Ring;

    #[test]
    fn reduce_is_exact_and_centred_at_the_extremes() {
        for p in [3u64, 5, 65_537, 1_048_573, 8_388_593] {
            let f = PrimeField::new(p).unwrap();
            let k = F64Arith::new(&f).unwrap();
            let half = ((p - 1) / 2) as i64;
            let lim = k.k_chunk as i64 * half * half + half;
            let mut xs = vec![0i64, 1, -1, lim, -lim, half, -half, half + 1, -half - 1];
            xs.extend((0..2000i64).map(|t| lim / 2001 * t - (t % 7) * 977));
            // Points just around half-integers multiples of p, where the quotient may round badly.
            let step = (lim / 200 / p as i64).max(1) * p as i64;
            xs.extend((1..200i64).map(|t| (t * step + half + (t % 3) - 1).min(lim)));
            for &x in &xs {
                let r = k.reduce(x as f64);
                assert!(r.abs() <= half as f64, "p={p} x={x} r={r}");
                assert_eq!((x - r as i64).rem_euclid(p as i64), 0, "p={p} x={x}");
            }
            for a in [0u64, 1, 2, p - 1, p, p + 3, u64::MAX] {
                assert_eq!(k.decode(k.encode(a)), a % p);
            }
            let (a, b) = (k.encode(p - 2), k.encode(p / 2));
            assert_eq!(k.decode(k.mul(a, b)), f.mul(&(p - 2), &(p / 2)));
            assert_eq!(k.decode(k.mul(a, k.inv(a).unwrap())), 1);
            assert_eq!(k.decode(k.neg(a)), 2);
        }
    }

    #[test]
    fn gemm_matches_naive_with_worst_case_entries() {
        // 23-bit: chunks of 512; 20-bit: one chunk of up to 16384 (kd = 17000 crosses it).
        for (p, kd) in [(8_388_593u64, 1100usize), (1_048_573, 17_000)] {
            gemm_worst_case(p, kd);
        }
    }

    fn gemm_worst_case(p: u64, kd: usize) {
        let f = PrimeField::new(p).unwrap();
        let k = F64Arith::new(&f).unwrap();
        let (m, n) = (7usize, 5usize);
        // Entries +-(p-1)/2 maximise every partial sum.
        let a = Mat::from_fn(m, kd, |i, j| k.encode(if (i + j) % 3 == 0 { p / 2 } else { p / 2 + 1 }));
        let b = Mat::from_fn(kd, n, |i, j| k.encode(if (i * j) % 2 == 0 { p / 2 + 1 } else { p / 2 }));
        let mut c = Mat::from_fn(m, n, |i, j| k.encode((i * 31 + j) as u64));
        let c0 = c.clone();
        k.gemm_sub(c.view_mut(), a.view(), b.view(), Par::Seq, &NoInterrupt).unwrap();
        for i in 0..m {
            for j in 0..n {
                let mut acc = k.decode(c0[(i, j)]);
                for t in 0..kd {
                    acc = f.sub(&acc, &f.mul(&k.decode(a[(i, t)]), &k.decode(b[(t, j)])));
                }
                assert_eq!(k.decode(c[(i, j)]), acc);
            }
        }
    }
}
