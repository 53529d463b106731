//! F_p for primes `2^23 <= p < 2^63` as canonical `u64` residues, with a cache-blocked GEMM-like
//! trailing update that sums products in `u128` registers and reduces rarely.
//!
//! The update `C <- C - A B` follows the GotoBLAS/BLIS loop nest (Goto and van de Geijn,
//! "Anatomy of high-performance matrix multiplication", ACM TOMS 2008): a `KC x NC` block of `B`
//! is packed into 2-column strips (it stays in L2), each pair of rows of `A` is packed into a
//! 2-row strip (it stays in L1), and a 2 x 2 register tile of `u128` accumulators runs down the
//! shared dimension. Four accumulators (eight registers) plus the `mul` operands are what the 16
//! general registers of x86-64 hold; each product costs one `mul`, one `add` and one `adc`.
//!
//! Delayed reduction: after at most `chunk` products an accumulator is *folded*,
//! `x = h 2^64 + l -> h (2^64 mod p) + l <= (2^64 - 1) p`, which costs one multiplication and
//! leaves room for `chunk = floor((2^128 - 1 - (2^64 - 1) p) / (p - 1)^2)` further products
//! (56 for `p = 2^61 - 1`, at least 2 for any `p < 2^63`). A folded value has high word below `p`,
//! so the final reduction is a single Moller-Granlund step.

use super::arith::{ModArith, RowSchedule, ScheduleParams};
use super::limbs::Limbs;
use super::mat::{MatMut, MatRef};
use crate::error::Result;
use crate::par::{Interrupt, Par};
use crate::ring::{Field, PrimeField, Ring};

/// Rows of the register tile.
const MR: usize = 2;
/// Columns of the register tile.
const NR: usize = 2;
/// Upper bound on the shared dimension of one packed block (a 2-row strip of `A` is 8 KiB).
const KC_MAX: usize = 512;
/// Columns of one packed block of `B` (`KC_MAX x NC` words = 512 KiB, half an L2).
const NC: usize = 128;
/// About 5 ms of products per thread between polls; two blocks per thread and step.
const SCHEDULE: ScheduleParams =
    ScheduleParams { step_work: 1 << 24, par_min_work: 1 << 19, align: MR, blocks_per_thread: 2 };

/// F_p with canonical `u64` residues and the constants of the delayed reduction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct U64Arith {
    field: PrimeField,
    /// `2^64 mod p`.
    fold: u64,
    /// Products an accumulator absorbs between folds.
    chunk: usize,
    /// Shared-dimension block: a multiple of `chunk` (when `chunk < KC_MAX`), at most `KC_MAX`.
    kc: usize,
    /// The `dgemm` route for the wide updates (`limbs.rs`).
    limbs: Limbs,
}

impl U64Arith {
    /// The arithmetic of `field` (any prime the field accepts).
    pub fn new(field: &PrimeField) -> Self {
        let p = field.modulus() as u128;
        let fold = ((1u128 << 64) % p) as u64;
        let folded_max = u64::MAX as u128 * p;
        let max_product = (p - 1) * (p - 1);
        let chunk = ((u128::MAX - folded_max) / max_product).clamp(1, KC_MAX as u128) as usize;
        let kc = (KC_MAX / chunk) * chunk;
        U64Arith { field: *field, fold, chunk, kc, limbs: Limbs::new(field) }
    }

    /// `x = h 2^64 + l  ->  h (2^64 mod p) + l`, congruent to `x` and at most `(2^64 - 1) p`.
    #[inline(always)]
    fn fold(&self, x: u128) -> u128 {
        ((x >> 64) as u64 as u128) * self.fold as u128 + (x as u64 as u128)
    }

    /// `sum_t a[t] b[t]` for the 2 x 2 tile: `ap` interleaves two rows of `A` (`ap[2t + i]`), `bp`
    /// two columns of `B` (`bp[2t + j]`); returns folded accumulators in the order 00, 01, 10, 11.
    /// Not inlined: on its own the loop gets all the registers it needs (no spills).
    #[inline(never)]
    fn micro_2x2(&self, ap: &[u64], bp: &[u64]) -> [u128; 4] {
        let kc = ap.len().min(bp.len()) / 2;
        let mut acc = [0u128; 4];
        let mut t = 0;
        while t < kc {
            let end = (t + self.chunk).min(kc);
            let sums = chunk_2x2(&ap[2 * t..2 * end], &bp[2 * t..2 * end]);
            for (a, s) in acc.iter_mut().zip(sums) {
                // No overflow: a <= (2^64 - 1) p and s <= chunk (p - 1)^2 (see the module docs).
                *a = self.fold(*a + s);
            }
            t = end;
        }
        acc
    }

    /// `c[j] <- c[j] - acc mod p` for a folded accumulator.
    #[inline(always)]
    fn sub_acc(&self, c: &mut u64, acc: u128) {
        *c = self.field.sub(c, &self.field.reduce_u128(acc));
    }

    /// `C <- C - A B` for one row block: `a` is `mb x kc`, `bp` the packed `kc x nc` block of `B`.
    fn block_update(&self, a: MatRef<'_, u64>, bp: &[u64], mut c: MatMut<'_, u64>) {
        let (mb, kc, nc) = (c.rows(), a.cols(), c.cols());
        let mut ap = [0u64; MR * KC_MAX];
        let ap = &mut ap[..MR * kc];
        let mut i = 0;
        while i < mb {
            let two = i + 1 < mb;
            let r0 = a.row(i);
            if two {
                let r1 = a.row(i + 1);
                for ((dst, x), y) in ap.chunks_exact_mut(2).zip(r0).zip(r1) {
                    dst[0] = *x;
                    dst[1] = *y;
                }
            } else {
                for (dst, x) in ap.chunks_exact_mut(2).zip(r0) {
                    dst[0] = *x;
                    dst[1] = 0;
                }
            }
            for (jp, strip) in bp.chunks_exact(NR * kc).take(nc.div_ceil(NR)).enumerate() {
                let acc = self.micro_2x2(ap, strip);
                let j = NR * jp;
                let wide = j + 1 < nc;
                let row = c.row_mut(i);
                self.sub_acc(&mut row[j], acc[0]);
                if wide {
                    self.sub_acc(&mut row[j + 1], acc[1]);
                }
                if two {
                    let row = c.row_mut(i + 1);
                    self.sub_acc(&mut row[j], acc[2]);
                    if wide {
                        self.sub_acc(&mut row[j + 1], acc[3]);
                    }
                }
            }
            i += MR;
        }
    }
}

/// The four sums `sum_t ap[2t + i] bp[2t + j]` (order 00, 01, 10, 11) of one chunk, each a
/// 128-bit sum of at most `chunk` products (so none wraps).
///
/// On x86-64 this is a loop in assembly: `mul` takes one operand from memory, and the eight
/// accumulator words, two pointers and the counter fill exactly the 13 registers left besides
/// `rax`/`rdx`, which `mul` needs. Compiled from Rust, the same loop spills an accumulator or
/// two to the stack and runs about 20% slower.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn chunk_2x2(ap: &[u64], bp: &[u64]) -> [u128; 4] {
    assert_eq!(ap.len(), bp.len());
    let n = ap.len() / 2;
    assert_eq!(2 * n, ap.len());
    if n == 0 {
        return [0; 4];
    }
    let (mut l0, mut h0, mut l1, mut h1) = (0u64, 0u64, 0u64, 0u64);
    let (mut l2, mut h2, mut l3, mut h3) = (0u64, 0u64, 0u64, 0u64);
    // SAFETY: the loop runs exactly `n >= 1` times and reads `pa[0..2n]` and `pb[0..2n]`, which
    // are `ap` and `bp` (equal lengths `2n`, asserted above). It writes only its register
    // operands and the flags (declared clobbers: rax, rdx), touches no other memory and no stack.
    unsafe {
        std::arch::asm!(
            "2:",
            "mov rax, qword ptr [{pa}]",
            "mul qword ptr [{pb}]",
            "add {l0}, rax",
            "adc {h0}, rdx",
            "mov rax, qword ptr [{pa}]",
            "mul qword ptr [{pb} + 8]",
            "add {l1}, rax",
            "adc {h1}, rdx",
            "mov rax, qword ptr [{pa} + 8]",
            "mul qword ptr [{pb}]",
            "add {l2}, rax",
            "adc {h2}, rdx",
            "mov rax, qword ptr [{pa} + 8]",
            "mul qword ptr [{pb} + 8]",
            "add {l3}, rax",
            "adc {h3}, rdx",
            "add {pa}, 16",
            "add {pb}, 16",
            "dec {n}",
            "jnz 2b",
            pa = inout(reg) ap.as_ptr() => _,
            pb = inout(reg) bp.as_ptr() => _,
            n = inout(reg) n => _,
            l0 = inout(reg) l0,
            h0 = inout(reg) h0,
            l1 = inout(reg) l1,
            h1 = inout(reg) h1,
            l2 = inout(reg) l2,
            h2 = inout(reg) h2,
            l3 = inout(reg) l3,
            h3 = inout(reg) h3,
            out("rax") _,
            out("rdx") _,
            options(nostack, readonly),
        );
    }
    let join = |l: u64, h: u64| (h as u128) << 64 | l as u128;
    [join(l0, h0), join(l1, h1), join(l2, h2), join(l3, h3)]
}

/// Portable version of the chunk sums (and the reference the assembly is tested against).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn chunk_2x2_portable(ap: &[u64], bp: &[u64]) -> [u128; 4] {
    let (mut c00, mut c01, mut c10, mut c11) = (0u128, 0u128, 0u128, 0u128);
    for (x, y) in ap.chunks_exact(2).zip(bp.chunks_exact(2)) {
        let (a0, a1) = (x[0] as u128, x[1] as u128);
        let (b0, b1) = (y[0] as u128, y[1] as u128);
        c00 += a0 * b0;
        c01 += a0 * b1;
        c10 += a1 * b0;
        c11 += a1 * b1;
    }
    [c00, c01, c10, c11]
}

#[cfg(not(target_arch = "x86_64"))]
use chunk_2x2_portable as chunk_2x2;

/// Packs the `kc x nc` block `b` into 2-column strips: `bp[jp * 2 kc + 2 t + s] = b[t][2 jp + s]`,
/// padding a last odd column with zeros.
fn pack_b(b: MatRef<'_, u64>, bp: &mut [u64]) {
    let (kc, nc) = (b.rows(), b.cols());
    for t in 0..kc {
        let row = b.row(t);
        for (jp, pair) in row.chunks(NR).enumerate() {
            let at = jp * NR * kc + NR * t;
            bp[at] = pair[0];
            bp[at + 1] = if pair.len() > 1 { pair[1] } else { 0 };
        }
    }
    debug_assert!(bp.len() >= nc.div_ceil(NR) * NR * kc);
}

impl ModArith for U64Arith {
    type E = u64;
    const LEAF: usize = 16;
    /// 32 rather than 16: a leaf costs one reduction per entry either way, and the wider leaf
    /// saves a level of `16 x 16 x w` register-kernel updates (a few percent of a rank at
    /// n = 1000, measured on a loaded machine, so near the noise).
    const TRSM_LEAF: usize = 32;
    const INVERSE_LEAVES: bool = false;

    #[inline]
    fn encode(&self, x: u64) -> u64 {
        self.field.reduce_u64(x)
    }

    #[inline]
    fn decode(&self, e: u64) -> u64 {
        e
    }

    #[inline]
    fn is_zero(&self, a: u64) -> bool {
        a == 0
    }

    #[inline]
    fn one(&self) -> u64 {
        1
    }

    #[inline]
    fn neg(&self, a: u64) -> u64 {
        self.field.neg(&a)
    }

    #[inline]
    fn mul(&self, a: u64, b: u64) -> u64 {
        self.field.mul(&a, &b)
    }

    fn inv(&self, a: u64) -> Result<u64> {
        self.field.inv(&a)
    }

    #[inline(always)]
    fn dot_sub(&self, c: u64, a: &[u64], b: &[u64]) -> u64 {
        debug_assert_eq!(a.len(), b.len());
        if a.len() <= self.chunk {
            // The short dot products of the leaves: one chunk, one fold, one reduction.
            let mut acc = 0u128;
            for (x, y) in a.iter().zip(b) {
                acc += *x as u128 * *y as u128;
            }
            return self.field.sub(&c, &self.field.reduce_u128(self.fold(acc)));
        }
        let mut acc = 0u128;
        for (ca, cb) in a.chunks(self.chunk).zip(b.chunks(self.chunk)) {
            for (x, y) in ca.iter().zip(cb) {
                acc += *x as u128 * *y as u128;
            }
            acc = self.fold(acc);
        }
        self.field.sub(&c, &self.field.reduce_u128(acc))
    }

    #[inline]
    fn scale(&self, dst: &mut [u64], s: u64) {
        for d in dst {
            *d = self.field.mul(d, &s);
        }
    }

    /// `C <- C - A B`: wide updates by limb splitting through `dgemm` (`limbs.rs`), the others
    /// blocked `KC x NC` over `B` with the register kernel, rows of `C` split across threads.
    fn gemm_sub(
        &self,
        mut c: MatMut<'_, u64>,
        a: MatRef<'_, u64>,
        b: MatRef<'_, u64>,
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<()> {
        let (m, k, n) = (c.rows(), a.cols(), c.cols());
        debug_assert!(a.rows() == m && b.rows() == k && b.cols() == n);
        if m == 0 || n == 0 || k == 0 {
            return Ok(());
        }
        if Limbs::worthwhile(m, k, n) {
            return self.limbs.gemm_sub(c, a, b, par, intr);
        }
        let mut bp = vec![0u64; self.kc.min(k) * NC.min(n).div_ceil(NR) * NR];
        for k0 in (0..k).step_by(self.kc) {
            let kc = self.kc.min(k - k0);
            for j0 in (0..n).step_by(NC) {
                let nc = NC.min(n - j0);
                pack_b(b.submatrix(k0, j0, kc, nc), &mut bp);
                let a_blk = a.submatrix(0, k0, m, kc);
                let c_blk = c.rb_mut().submatrix_mut(0, j0, m, nc);
                let sched = RowSchedule::new(m, kc * nc, &SCHEDULE, par);
                let bp = &bp[..];
                sched
                    .run(c_blk, intr, |row0, cb| self.block_update(a_blk.submatrix(row0, 0, cb.rows(), kc), bp, cb))?;
            }
        }
        Ok(())
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
    fn assembly_chunk_matches_portable() {
        let mut s = 5u64;
        // Lengths up to each prime's chunk, so that no sum wraps.
        for (p, lens) in [((1u64 << 61) - 1, &[0usize, 1, 3, 56][..]), (9_223_372_036_854_775_783, &[1, 2])] {
            for &len in lens {
                let v: Vec<u64> = (0..4 * len)
                    .map(|i| {
                        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        if i % 3 == 0 {
                            p - 1
                        } else {
                            (s >> 1) % p
                        }
                    })
                    .collect();
                let (ap, bp) = v.split_at(2 * len);
                assert_eq!(chunk_2x2(ap, bp), chunk_2x2_portable(ap, bp), "p={p} len={len}");
            }
        }
    }

    #[test]
    fn dot_sub_matches_naive_below_and_above_one_chunk() {
        // Lengths 0..=chunk take the one-fold path, longer ones the chunked loop; entries p - 1
        // make every product the largest possible.
        for p in [8_388_617u64, 1_125_899_906_842_597, (1 << 61) - 1, 9_223_372_036_854_775_783] {
            let f = PrimeField::new(p).unwrap();
            let k = U64Arith::new(&f);
            for len in
                [0, 1, 2, 15, k.chunk - 1, k.chunk, k.chunk + 1, 2 * k.chunk + 3].into_iter().filter(|&l| l <= 600)
            {
                for fill in [p - 1, p / 2 + 1] {
                    let a: Vec<u64> = (0..len).map(|i| if i % 7 == 3 { (i as u64 * 31) % p } else { fill }).collect();
                    let b: Vec<u64> = (0..len).map(|i| if i % 5 == 1 { 1 } else { p - 1 - (i % 2) as u64 }).collect();
                    let c = p - 2;
                    let expect = (0..len).fold(c, |acc, t| f.sub(&acc, &f.mul(&a[t], &b[t])));
                    assert_eq!(k.dot_sub(c, &a, &b), expect, "p={p} len={len}");
                }
            }
        }
    }

    #[test]
    fn chunk_sizes() {
        let k = U64Arith::new(&PrimeField::new((1 << 61) - 1).unwrap());
        assert_eq!(k.chunk, 56);
        assert_eq!(k.kc, 504);
        let k = U64Arith::new(&PrimeField::new(9_223_372_036_854_775_783).unwrap());
        assert!(k.chunk >= 1 && k.kc <= KC_MAX);
        let k = U64Arith::new(&PrimeField::new(2_147_483_647).unwrap());
        assert_eq!(k.kc, KC_MAX);
    }

    #[test]
    fn gemm_matches_naive_on_odd_shapes_with_extreme_entries() {
        for p in [8_388_617u64, 2_147_483_647, (1 << 61) - 1, 9_223_372_036_854_775_783] {
            let f = PrimeField::new(p).unwrap();
            let k = U64Arith::new(&f);
            for &(m, kd, n) in &[(1usize, 1usize, 1usize), (3, 600, 5), (5, 257, 259), (2, 3, 1)] {
                let a = Mat::from_fn(m, kd, |i, j| if (i + j) % 5 == 0 { (i * 7 + j) as u64 % p } else { p - 1 });
                let b = Mat::from_fn(kd, n, |i, j| if (i + 2 * j) % 7 == 0 { 3 } else { p - 1 - (i % 2) as u64 });
                let mut c = Mat::from_fn(m, n, |i, j| (p - 1 - (i + j) as u64) % p);
                let expect = naive(&f, &c, &a, &b);
                k.gemm_sub(c.view_mut(), a.view(), b.view(), Par::Seq, &NoInterrupt).unwrap();
                assert_eq!(c, expect, "p={p} shape=({m},{kd},{n})");
            }
        }
    }
}
