//! The trailing update `C <- C - A B` modulo primes `2^23 <= p < 2^63` through [`dgemm`]: every
//! residue is split into three signed limbs small enough that limb products sum exactly in
//! `f64`, and the five limb convolutions come from six `dgemm` products (Karatsuba).
//!
//! Why it is exact: with `b` the bit length of `p` and `w = ceil(b / 3)`, the centred residue
//! `x` (`|x| <= (p - 1) / 2 < 2^(b-1) <= 2^(3w-1)`) is written `x = d0 + d1 2^w + d2 2^(2w)` with
//! signed digits `|d_i| <= 2^(w-1)` (see [`Limbs::split`]). The six products are
//! `P_i = A_i B_i` (`i = 0, 1, 2`) and `Q_ij = (A_i + A_j)(B_i + B_j)` (`ij = 01, 12, 02`); their
//! entries have factors of absolute value at most `2^w`, so every partial sum of at most
//! `kc <= 2^(51 - 2w)` terms is an integer of absolute value at most `2^51`, which no `f64`
//! operation of any summation order (fused or not) rounds (the margin below `2^53` lets the
//! combination below run in `f64` as well). Then, exactly in integers,
//! `A B = c0 + c1 2^w + c2 2^(2w) + c3 2^(3w) + c4 2^(4w)` with `c0 = P0`, `c1 = Q01 - P0 - P1`,
//! `c2 = Q02 - P0 - P2 + P1`, `c3 = Q12 - P1 - P2`, `c4 = P2`, reduced with the constants
//! `2^(ws) mod p`. (The floating-point route of FFLAS-FFPACK and flint for word-size moduli:
//! Dumas, Giorgi and Pernet, ACM TOMS 2008; van der Hoeven, Lecerf and Quintin, "Modular SIMD
//! arithmetic in Mathemagix", ACM TOMS 2016.)
//!
//! For `p = 2^61 - 1`, `w = 21` and `kc = 512`; for a 50-bit prime `w = 17` and `kc = 1024`
//! ([`KC_MAX`]). Six `dgemm` products cost about a sixth of the float kernel's rate, which is still
//! several times the `u128` register kernel of `large_prime.rs`, used for the narrow updates
//! where the splitting would not pay.

use super::arith::{RowSchedule, ScheduleParams};
use super::dgemm::{dgemm, Op};
use super::mat::{MatMut, MatRef};
use crate::error::Result;
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::{PrimeField, Ring};
use std::cell::RefCell;

/// Upper limit on the shared dimension of one round (bounds the limb buffers: six `KC_MAX x NB`
/// planes of `B` are 24 MiB).
const KC_MAX: usize = 1024;
/// Columns of `C` per block of `B` planes.
const NB: usize = 512;
/// Columns of one tile of the six products inside a row block (`6 x 128 x 64` doubles, in L2).
const NS: usize = 64;
/// Rows of one chunk of a row block (see [`Limbs::block`]).
const MB: usize = 128;

/// `1.5 * 2^52`: for an integer-valued `|x| < 2^51`, `x + MAGIC` has the exponent of `MAGIC` and
/// `x` in its low mantissa bits.
const MAGIC: f64 = 6_755_399_441_055_744.0;

/// The integer value of an integer-valued `f64` with `|x| < 2^51` (exact, branch-free).
#[inline(always)]
fn to_i64(x: f64) -> i64 {
    (x + MAGIC).to_bits() as i64 - MAGIC.to_bits() as i64
}
/// The five convolution terms `c_s` of `A B = sum_s c_s 2^(ws)` from the six products (see
/// [`Limbs::combine`] for why every step is exact).
#[inline(always)]
fn terms([p0, p1, p2, q01, q12, q02]: [f64; PLANES]) -> [i64; 5] {
    [p0, q01 - p0 - p1, q02 - p0 - p2 + p1, q12 - p1 - p2, p2].map(to_i64)
}

/// The products: limb planes `0, 1, 2` are the digits, `3, 4, 5` the sums `01, 12, 02`.
const PLANES: usize = 6;
/// About 10 ms of products per thread between interrupt polls; blocks of about 128 rows.
const SCHEDULE: ScheduleParams =
    ScheduleParams { step_work: 1 << 26, par_min_work: 1 << 20, align: 8, blocks_per_thread: 1 };

thread_local! {
    /// Per-thread buffers (the planes of a row block of `A` and the product tiles; the planes of
    /// a block of `B`), reused between calls so that their pages are not faulted in again. They
    /// are taken out while in use, so a call nested by work stealing just allocates its own.
    static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    static B_SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a buffer of at least `len` doubles taken from `cell` (and puts it back).
fn with_scratch<R>(
    key: &'static std::thread::LocalKey<RefCell<Vec<f64>>>,
    len: usize,
    f: impl FnOnce(&mut [f64]) -> Result<R>,
) -> Result<R> {
    let mut buf = key.with(|c| std::mem::take(&mut *c.borrow_mut()));
    if buf.len() < len {
        check_allocation("limb products", len as u128, 8)?;
        buf.resize(len, 0.0);
    }
    let out = f(&mut buf[..len]);
    key.with(|c| *c.borrow_mut() = buf);
    out
}

/// The constants of the limb splitting for one prime.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limbs {
    field: PrimeField,
    /// `(p - 1) / 2`: residues above it are stored centred as `x - p`.
    half: u64,
    /// Limb width `w`.
    w: u32,
    /// Shared dimension of one round of products, at most `2^(51 - 2w)`.
    kc: usize,
    /// `2^(w s) mod p` for `s = 0..5` (below `2^63`, stored signed for one-instruction products).
    pow: [i64; 5],
    /// A multiple of `p` above the magnitude of the sum formed in [`Self::combine`], added to
    /// make it positive.
    offset: i128,
}

impl Limbs {
    /// The splitting for `field` (`2^23 <= p < 2^63`).
    pub fn new(field: &PrimeField) -> Self {
        let p = field.modulus();
        let bits = 64 - p.leading_zeros();
        let w = bits.div_ceil(3);
        let kc = (1usize << (51 - 2 * w).min(30)).min(KC_MAX);
        let mut pow = [1u64; 5];
        for s in 1..5 {
            pow[s] = field.mul(&pow[s - 1], &field.reduce_u128(1u128 << w));
        }
        let pow = pow.map(|x| x as i64);
        let offset = (p as i128) << 58;
        Limbs { field: *field, half: (p - 1) / 2, w, kc, pow, offset }
    }

    /// Whether a `m x k x n` update is worth splitting (six products and two passes over the
    /// operands against the register kernel's `m k n` multiplications in `u128`).
    pub fn worthwhile(m: usize, k: usize, n: usize) -> bool {
        k >= 32 && m >= 16 && n >= 16
    }

    /// The three signed digits of residue `a` (`0 <= a < p`): centred `x`, then
    /// `d0 = ((x + 2^(w-1)) mod 2^w) - 2^(w-1)`, `x1 = (x - d0) / 2^w`, likewise `d1`, and `d2 = x2`.
    /// Each `|d_i| <= 2^(w-1)`: `|x1| <= (|x| + 2^(w-1)) / 2^w < 2^(2w-1) + 1`, and so on.
    #[inline(always)]
    fn split(&self, a: u64) -> [f64; 3] {
        let x = if a > self.half { a as i64 - self.field.modulus() as i64 } else { a as i64 };
        let h = 1i64 << (self.w - 1);
        let mask = (1i64 << self.w) - 1;
        let d0 = ((x + h) & mask) - h;
        let x1 = (x - d0) >> self.w;
        let d1 = ((x1 + h) & mask) - h;
        let d2 = (x1 - d1) >> self.w;
        [d0 as f64, d1 as f64, d2 as f64]
    }

    /// Writes the six planes of `src` (`r x c`) into `dst` (`PLANES * r * c`, plane-major).
    fn planes(&self, src: MatRef<'_, u64>, dst: &mut [f64]) {
        let (r, c) = (src.rows(), src.cols());
        let size = r * c;
        let (d0, rest) = dst[..PLANES * size].split_at_mut(size);
        let (d1, rest) = rest.split_at_mut(size);
        let (d2, rest) = rest.split_at_mut(size);
        let (s01, rest) = rest.split_at_mut(size);
        let (s12, s02) = rest.split_at_mut(size);
        for i in 0..r {
            let row = src.row(i);
            let at = i * c;
            for (j, &a) in row.iter().enumerate() {
                let [x0, x1, x2] = self.split(a);
                let t = at + j;
                d0[t] = x0;
                d1[t] = x1;
                d2[t] = x2;
                s01[t] = x0 + x1;
                s12[t] = x1 + x2;
                s02[t] = x0 + x2;
            }
        }
    }

    /// `c <- c - (A B) mod p` for one entry from its six exact products (order of the planes).
    ///
    /// The convolution terms are formed in `f64`: every operand and intermediate is an integer
    /// below `2^53` in absolute value (`|Q| <= kc 2^(2w) <= 2^51`, `|P| <= 2^49`), so no rounding
    /// happens, and each `|c_s| <= 3 kc 2^(2w-2) < 2^51`, where [`to_i64`] is exact. The low three
    /// terms are shifted into place exactly (`|c0 + c1 2^w + c2 2^(2w)| < 2^(52+2w) <= 2^94`), only
    /// the two high ones are multiplied by `2^(3w) mod p` and `2^(4w) mod p` (one signed
    /// `64 x 64 -> 128` product each), and the sum is reduced once.
    #[inline(always)]
    fn combine(&self, c: &mut u64, planes: [f64; PLANES]) {
        let [c0, c1, c2, c3, c4] = terms(planes).map(|x| x as i128);
        let low = c0 + (c1 << self.w) + (c2 << (2 * self.w));
        let high = c3 * self.pow[3] as i128 + c4 * self.pow[4] as i128;
        // |low + high| < 2^(52+2w) + 2^52 p < p 2^58 (as p >= 2^(3w-3)), so adding the offset
        // p 2^58 gives a positive value below p 2^59: high word below p.
        let r = self.field.reduce_u128((low + high + self.offset) as u128);
        *c = self.field.sub(c, &r);
    }

    /// One row block: `C_blk <- C_blk - A_blk B` with `bp` the planes of the `kc x nb` block of
    /// `B`, in chunks of at most `MB` rows and column tiles of `NS`, so that the six product
    /// tiles (and the planes of the chunk of `A`, for short rounds) stay in L2 until combined.
    fn block(&self, a: MatRef<'_, u64>, bp: &[f64], mut c: MatMut<'_, u64>) -> Result<()> {
        let (h, kc, nb) = (c.rows(), a.cols(), c.cols());
        let hb = MB.min(h);
        let asz = hb * kc;
        let tsz = hb * NS.min(nb);
        with_scratch(&SCRATCH, PLANES * (asz + tsz), |buf| {
            let (ap, out) = buf.split_at_mut(PLANES * asz);
            for i0 in (0..h).step_by(MB) {
                let hc = MB.min(h - i0);
                let asz = hc * kc;
                self.planes(a.submatrix(i0, 0, hc, kc), ap);
                for j0 in (0..nb).step_by(NS) {
                    let ns = NS.min(nb - j0);
                    let csz = hc * ns;
                    for q in 0..PLANES {
                        let am = MatRef::new(&ap[q * asz..(q + 1) * asz], hc, kc, kc)?;
                        let bm = MatRef::new(&bp[q * kc * nb..(q + 1) * kc * nb], kc, nb, nb)?.submatrix(0, j0, kc, ns);
                        let cm = MatMut::new(&mut out[q * csz..(q + 1) * csz], hc, ns, ns)?;
                        dgemm(cm, false, 1.0, Op::N(am), Op::N(bm), Par::Seq);
                    }
                    let (o0, rest) = out.split_at(csz);
                    let (o1, rest) = rest.split_at(csz);
                    let (o2, rest) = rest.split_at(csz);
                    let (o3, rest) = rest.split_at(csz);
                    let (o4, rest) = rest.split_at(csz);
                    let o5 = &rest[..csz];
                    let tiles = [o0, o1, o2, o3, o4, o5];
                    let c_tile = c.rb_mut().submatrix_mut(i0, j0, hc, ns);
                    combine_tile(c_tile, tiles, |cv, t| self.combine(cv, t));
                }
            }
            Ok(())
        })
    }

    /// `C <- C - A B` over F_p (`A`: `m x k`, `B`: `k x n`): rounds of at most `kc` terms, blocks
    /// of `NB` columns whose `B` planes are shared by all row blocks, row blocks of `C` on the
    /// threads `par` allows (each block's products run sequentially, so the work per entry, and
    /// the exact result, is the same whatever the thread count).
    pub fn gemm_sub(
        &self,
        mut c: MatMut<'_, u64>,
        a: MatRef<'_, u64>,
        b: MatRef<'_, u64>,
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<()> {
        let (m, k, n) = (c.rows(), a.cols(), c.cols());
        debug_assert!(a.rows() == m && b.rows() == k && b.cols() == n);
        let bsize = self.kc.min(k) * NB.min(n);
        with_scratch(&B_SCRATCH, PLANES * bsize, |bp| self.rounds(c.rb_mut(), a, b, bp, par, intr))
    }

    /// The rounds of [`Self::gemm_sub`], with `bp` room for the planes of one block of `B`.
    fn rounds(
        &self,
        mut c: MatMut<'_, u64>,
        a: MatRef<'_, u64>,
        b: MatRef<'_, u64>,
        bp: &mut [f64],
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<()> {
        let (m, k, n) = (c.rows(), a.cols(), c.cols());
        for k0 in (0..k).step_by(self.kc) {
            let kc = self.kc.min(k - k0);
            for j0 in (0..n).step_by(NB) {
                intr.check()?;
                let nb = NB.min(n - j0);
                self.planes(b.submatrix(k0, j0, kc, nb), bp);
                let a_blk = a.submatrix(0, k0, m, kc);
                let c_blk = c.rb_mut().submatrix_mut(0, j0, m, nb);
                let sched = RowSchedule::new(m, PLANES * kc * nb, &SCHEDULE, par);
                let bp = &bp[..PLANES * kc * nb];
                let failed = std::sync::Mutex::new(None);
                sched.run(c_blk, intr, |row0, cb| {
                    if let Err(e) = self.block(a_blk.submatrix(row0, 0, cb.rows(), kc), bp, cb) {
                        *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                    }
                })?;
                if let Some(e) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// `f(c_ij, products_ij)` for every entry of the `h x ns` tile `c`, the products in `tiles`
/// (plane-major, row-major `h x ns` each).
#[inline(always)]
fn combine_tile(mut c: MatMut<'_, u64>, tiles: [&[f64]; PLANES], f: impl Fn(&mut u64, [f64; PLANES])) {
    let ns = c.cols();
    for i in 0..c.rows() {
        let t = i * ns;
        let [o0, o1, o2, o3, o4, o5] = tiles.map(|o| &o[t..t + ns]);
        for (j, cv) in c.row_mut(i).iter_mut().enumerate() {
            f(cv, [o0[j], o1[j], o2[j], o3[j], o4[j], o5[j]]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::mat::Mat;
    use crate::par::NoInterrupt;

    fn naive(f: &PrimeField, c: &Mat<u64>, a: &Mat<u64>, b: &Mat<u64>) -> Mat<u64> {
        Mat::from_fn(c.rows(), c.cols(), |i, j| {
            (0..a.cols()).fold(c[(i, j)], |acc, t| f.sub(&acc, &f.mul(&a[(i, t)], &b[(t, j)])))
        })
    }

    #[test]
    fn digits_recompose_and_stay_in_range() {
        for p in [8_388_617u64, 1_125_899_906_842_597, (1 << 61) - 1, 9_223_372_036_854_775_783] {
            let f = PrimeField::new(p).unwrap();
            let l = Limbs::new(&f);
            assert!(l.kc as u128 * (1u128 << (2 * l.w)) <= 1 << 51, "p={p}");
            let h = 1i128 << (l.w - 1);
            for a in [0, 1, 2, p / 2, p / 2 + 1, p - 2, p - 1, p / 3, 12_345_678 % p] {
                let d = l.split(a).map(|v| v as i128);
                assert!(d.iter().all(|x| x.abs() <= h), "p={p} a={a} {d:?}");
                let x = d[0] + (d[1] << l.w) + (d[2] << (2 * l.w));
                assert_eq!(x.rem_euclid(p as i128), a as i128, "p={p} a={a}");
            }
        }
    }

    #[test]
    fn gemm_matches_naive_with_extreme_entries_and_thread_counts() {
        // k = 2100 crosses rounds (kc = 512 for 2^61 - 1, 1024 for 50 bits); n = 520 crosses a
        // column block; m = 300 crosses row chunks (MB = 128) and n = 130 column tiles (NS = 64).
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for p in [8_388_617u64, 1_125_899_906_842_597, (1 << 61) - 1, 9_223_372_036_854_775_783] {
            let f = PrimeField::new(p).unwrap();
            let l = Limbs::new(&f);
            for &(m, kd, n) in &[(17usize, 40usize, 16usize), (20, 2100, 520), (3, 33, 1), (300, 70, 130)] {
                // The digits of p/2 and p/2 + 1 (the centred extremes) are the largest.
                let a = Mat::from_fn(m, kd, |i, j| if (i + j) % 3 == 0 { p / 2 } else { p / 2 + 1 + (j % 2) as u64 });
                let b = Mat::from_fn(kd, n, |i, j| if (i * j) % 2 == 0 { p / 2 + 1 } else { (p / 2 + i as u64) % p });
                let c0 = Mat::from_fn(m, n, |i, j| (p - 1 - (i + j) as u64) % p);
                let expect = naive(&f, &c0, &a, &b);
                let mut c = c0.clone();
                l.gemm_sub(c.view_mut(), a.view(), b.view(), Par::Seq, &NoInterrupt).unwrap();
                assert_eq!(c, expect, "p={p} shape=({m},{kd},{n})");
                let mut c2 = c0.clone();
                pool.install(|| l.gemm_sub(c2.view_mut(), a.view(), b.view(), Par::from_threads(2), &NoInterrupt))
                    .unwrap();
                assert_eq!(c2, expect, "p={p} shape=({m},{kd},{n}) two threads");
            }
        }
    }
}
