//! Dixon's p-adic lifting for `A_P x = -B` (all rows of `A` at once), with an exact integer
//! residual kept in base-`2^b` limbs.
//!
//! With `C = A_RP^{-1} mod p` and `B_0 = -B`, step `i` computes the digit
//! `x_i = C B_i[R] mod p` (centred) and the residual `B_{i+1} = (B_i - A_P x_i) / p`. On the rows
//! `R` the division is exact by construction; on the other rows it is exact at every step if and
//! only if the p-adic solution of the pivot rows also solves them to that precision, which is
//! what the certificate needs (see the module docs of `exact`). The residual stays bounded by
//! `max(|B|, L_P)` (`L_P` the largest row 1-norm of `A_P`), so it needs a fixed number of limbs.
//!
//! The products `A_P x_i` are f64 GEMMs on balanced `b`-bit digit matrices of `A_P`, with `b`
//! chosen so that `r 2^(b-1) (p-1)/2 < 2^53`: exact, and as fast as the BLAS kernel allows. The
//! division by `p` runs from the low limb up (Hensel / Jebelean exact division), with an exact
//! divisibility test on the top limb, so it needs no hardware division.

use super::fmod::{ceil_log2, gemm, FMod};
use super::intmat::IntMatrix;
use super::profile::Profile;
use crate::error::{CoreError, Result};
use crate::par::{check_allocation, Interrupt, Par};
use num_bigint::BigUint;
use rayon::prelude::*;

/// Work (multiply-adds) below which a step runs on one thread.
const PAR_MIN_WORK: usize = 1 << 18;

/// The outcome of lifting.
#[derive(Debug)]
pub(crate) enum Lifted {
    /// Every residual was divisible at every step. `digits[i * r * w + t * w + j]` is the
    /// centred digit `i` of the solution entry `(t, j)` (empty unless digits were requested).
    Complete { digits: Vec<i32> },
    /// The residual of some row was not divisible by `p` at some step: the pivot rows'
    /// solution does not solve every row, so `rank_Q(A) > r`.
    NotDivisible,
}

/// A lifting problem: the pivot columns of `A`, split into digit matrices, and `A_RP^{-1} mod p`.
pub(crate) struct Lifter<'a> {
    fm: FMod,
    m: usize,
    r: usize,
    b: u32,
    pivot_rows: &'a [usize],
    inverse: &'a [f64],
    /// `A_P = sum_u 2^(b u) pieces[u]`, each `m x r` row-major, entries `|.| <= 2^(b-1)`.
    pieces: Vec<Vec<f64>>,
    /// Largest row 1-norm of `A_P` (bounds the residual).
    row_l1: BigUint,
}

impl<'a> Lifter<'a> {
    /// Prepares the lifting for `a_p = A[:, P]` (`m x r`) and the profile modulo `p`.
    pub fn new(a_p: &IntMatrix, profile: &'a Profile) -> Result<Self> {
        let r = profile.rank;
        debug_assert_eq!(a_p.cols(), r);
        // r 2^(b-1) 2^21 <= 2^(ceil_log2 r + b + 20) <= 2^52.
        let b = 32i64 - ceil_log2(r.max(1)) as i64;
        if b < 8 {
            return Err(CoreError::invalid("matrix", format!("rank {r} is too large for exact lifting")));
        }
        let b = b.min(26) as u32;
        let pieces = a_p.balanced_pieces(b)?;
        Ok(Lifter {
            fm: FMod::for_prime(profile.p)?,
            m: a_p.rows(),
            r,
            b,
            pivot_rows: &profile.rows,
            inverse: &profile.inverse,
            pieces,
            row_l1: a_p.max_row_l1(),
        })
    }

    /// Runs `steps` steps for the right-hand sides `rhs` (`m x w`): the p-adic solution of
    /// `A_P x = -rhs` on the pivot rows, checked on every row.
    pub fn lift(
        &self,
        rhs: &IntMatrix,
        steps: usize,
        keep_digits: bool,
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<Lifted> {
        let (m, r, b) = (self.m, self.r, self.b);
        let w = rhs.cols();
        debug_assert_eq!(rhs.rows(), m);
        if w == 0 || m == 0 {
            return Ok(Lifted::Complete { digits: Vec::new() });
        }
        let s = self.pieces.len();
        // |B| <= X = max(|rhs|, L_P); |B - A_P x| < X 2^22; the low limbs hold b (sb - 1) bits.
        let x_bits = rhs.max_abs().max(self.row_l1.clone()).bits() as usize;
        let sb = (s + 1).max((x_bits + 23).div_ceil(b as usize) + 1);
        let mut limbs = rhs.limbs(b, sb, true)?.ok_or_else(|| CoreError::internal("residual limbs too short"))?;
        if keep_digits {
            check_allocation("p-adic digits", (steps as u128) * (r as u128) * w as u128, 4)?;
        }
        let mut digits: Vec<i32> = Vec::with_capacity(if keep_digits { steps * r * w } else { 0 });
        let fm = self.fm;
        let p = fm.modulus() as i64;
        // 2^(b v) mod p, centred: the residue of a limb vector is sum_v l_v pw_v.
        let pw: Vec<f64> = (0..sb).map(|v| self.pow2_mod(b as usize * v)).collect();
        let consts = Hensel::new(fm.modulus(), b);
        let parallel = par.is_parallel() && m * r * w * s >= PAR_MIN_WORK;
        let mut bp = vec![0f64; r * w];
        let mut x = vec![0f64; r * w];
        for _ in 0..steps {
            intr.check()?;
            // 1. The pivot rows of the residual modulo p.
            for (t, &i) in self.pivot_rows.iter().enumerate() {
                for j in 0..w {
                    let l = &limbs[(i * w + j) * sb..(i * w + j + 1) * sb];
                    let mut acc = 0f64;
                    for (v, (&lv, &pv)) in l.iter().zip(&pw).enumerate() {
                        acc += lv as f64 * pv;
                        if v % 16 == 15 {
                            acc = fm.reduce(acc);
                        }
                    }
                    bp[t * w + j] = fm.reduce(acc);
                }
            }
            // 2. The digit x_i = C B_i[R] mod p.
            let rows_per = if parallel { r.div_ceil(2 * par.threads()).max(1) } else { r.max(1) };
            let inv = self.inverse;
            if parallel {
                x.par_chunks_mut(rows_per * w).enumerate().try_for_each(|(bi, xb)| {
                    let t0 = bi * rows_per;
                    fm.matmul(xb.len() / w, r, w, &inv[t0 * r..], &bp, xb)
                })?;
            } else {
                fm.matmul(r, r, w, inv, &bp, &mut x)?;
            }
            if keep_digits {
                digits.extend(x.iter().map(|&d| d as i32));
            }
            // 3. B <- (B - A_P x) / p on every row, checking divisibility.
            let block = if parallel { m.div_ceil(2 * par.threads()).clamp(8, 256) } else { m };
            let ok = if parallel {
                limbs
                    .par_chunks_mut(block * w * sb)
                    .enumerate()
                    .map(|(bi, lb)| self.update_block(bi * block, lb, &x, w, sb, &consts, p))
                    .reduce(|| true, |a, b| a && b)
            } else {
                self.update_block(0, &mut limbs, &x, w, sb, &consts, p)
            };
            if !ok {
                return Ok(Lifted::NotDivisible);
            }
        }
        Ok(Lifted::Complete { digits })
    }

    /// `2^e mod p`, centred.
    fn pow2_mod(&self, e: usize) -> f64 {
        let p = self.fm.modulus() as u128;
        let (mut r, mut base, mut e) = (1u128, 2u128, e);
        while e > 0 {
            if e & 1 == 1 {
                r = r * base % p;
            }
            base = base * base % p;
            e >>= 1;
        }
        self.fm.centre(r as u64)
    }

    /// Updates the residual rows `i0 ..` held in `lb`; false when some row is not divisible.
    #[allow(clippy::too_many_arguments)]
    fn update_block(&self, i0: usize, lb: &mut [i64], x: &[f64], w: usize, sb: usize, h: &Hensel, p: i64) -> bool {
        let rows = lb.len() / (w * sb);
        let r = self.r;
        let mut t = vec![0f64; rows * w * self.pieces.len()];
        for (u, piece) in self.pieces.iter().enumerate() {
            gemm(rows, r, w, 1.0, &piece[i0 * r..], r, x, w, 0.0, &mut t[u * rows * w..], w);
        }
        let mut ok = true;
        for e in 0..rows * w {
            let l = &mut lb[e * sb..(e + 1) * sb];
            for u in 0..self.pieces.len() {
                l[u] -= t[u * rows * w + e] as i64;
            }
            ok &= h.divide(l, p);
        }
        ok
    }
}

/// Constants of the exact division by `p` of a limb vector.
pub(crate) struct Hensel {
    b: u32,
    mask: i64,
    /// `p^{-1} mod 2^b`.
    inv_b: i64,
    /// `p^{-1} mod 2^64`.
    inv_64: i64,
    /// `floor((2^63 - 1) / p)`: a quotient above this in absolute value means "not divisible".
    limit: u64,
}

impl Hensel {
    pub fn new(p: u64, b: u32) -> Self {
        // Newton iteration for the inverse of an odd number modulo 2^64.
        let mut inv = p;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(p.wrapping_mul(inv)));
        }
        debug_assert_eq!(p.wrapping_mul(inv), 1);
        let mask = (1i64 << b) - 1;
        Hensel { b, mask, inv_b: (inv as i64) & mask, inv_64: inv as i64, limit: (i64::MAX as u64) / p }
    }

    /// Replaces the limb vector `l` (value `sum l_v 2^(b v)`, any limbs below `2^62`) by its
    /// quotient by `p` in normal form (low limbs in `[0, 2^b)`, signed top limb). Returns false,
    /// leaving `l` meaningless, when `p` does not divide the value.
    #[inline]
    pub fn divide(&self, l: &mut [i64], p: i64) -> bool {
        let last = l.len() - 1;
        let mut carry = 0i64;
        for lv in &mut l[..last] {
            let t = *lv + carry;
            // q = t / p mod 2^b, so t - q p = 0 mod 2^b: the low limb of the quotient.
            let q = t.wrapping_mul(self.inv_b) & self.mask;
            carry = (t - q * p) >> self.b;
            *lv = q;
        }
        let t = l[last] + carry;
        let q = t.wrapping_mul(self.inv_64);
        l[last] = q;
        q.unsigned_abs() <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;

    fn value(l: &[i64], b: u32) -> BigInt {
        l.iter().enumerate().map(|(v, &x)| BigInt::from(x) << (b as usize * v)).sum()
    }

    #[test]
    fn hensel_division_is_exact_and_detects_remainders() {
        let p = 4_194_301u64;
        let b = 21;
        let h = Hensel::new(p, b);
        let mut seed = 7u64;
        for trial in 0..500 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let q_true = BigInt::from((seed >> 3) as i64 - (1 << 59)) * BigInt::from(trial + 1);
            let off = if trial % 3 == 0 { (trial % 5 + 1) as i64 } else { 0 };
            let v = &q_true * BigInt::from(p) + off;
            let m = IntMatrix::from_bigints(1, 1, vec![v.clone()]).unwrap();
            let mut l = m.limbs(b, 6, false).unwrap().unwrap();
            // Disturb the normal form: move 2^b from limb 1 into limb 0.
            l[0] += 1 << b;
            l[1] -= 1;
            assert_eq!(value(&l, b), v);
            let ok = h.divide(&mut l, p as i64);
            assert_eq!(ok, off == 0, "trial {trial}");
            if ok {
                assert_eq!(value(&l, b), q_true);
            }
        }
    }
}
