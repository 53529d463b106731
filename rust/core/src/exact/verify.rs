//! An exact test of `A K = 0` over Z for an integer matrix `A` and a matrix `K` with huge
//! entries, by f64 matrix products on digit slices.
//!
//! Write `A = sum_u 2^(b u) A_u` (balanced digits, `|A_u| <= 2^(b-1)`) and
//! `K = sum_v 2^(b v) K_v` (signed digits, `|K_v| < 2^b`). Each `A_u K_v` is an exact f64 GEMM when
//! `n 2^(2b-1) <= 2^53`, and `A K = sum_k 2^(b k) c_k` with `c_k = sum_{u+v=k} A_u K_v`. The sum is
//! zero if and only if, propagating carries from the low end, every base-`2^b` digit vanishes
//! and the final carry is zero. Positions are finished in increasing order as soon as their
//! last contribution is in, so only `s_A` partial sums per entry are ever held.

use super::fmod::{ceil_log2, gemm};
use super::intmat::{magnitude_digit, IntMatrix};
use crate::error::{CoreError, Result};
use crate::par::{check_allocation, Interrupt, Par};
use num_bigint::{BigInt, Sign};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Columns of `K`'s digit slices multiplied per GEMM (several digit positions side by side).
const CHUNK_COLS: usize = 384;

/// True when `A K = 0` exactly, for `A` (`m x n`) and `K` (`n x w`, row-major big integers).
pub fn product_is_zero(a: &IntMatrix, k: &[BigInt], w: usize, par: Par, intr: &dyn Interrupt) -> Result<bool> {
    let (m, n) = (a.rows(), a.cols());
    if k.len() != n * w {
        return Err(CoreError::invalid("k", format!("expected {} entries, got {}", n * w, k.len())));
    }
    if m == 0 || n == 0 || w == 0 {
        return Ok(true);
    }
    // n 2^(b-1) 2^b <= 2^(ceil_log2 n + 2b - 1) <= 2^53.
    let b = ((54 - ceil_log2(n) as i64) / 2).min(26);
    if b < 4 {
        return Err(CoreError::invalid("matrix", format!("{n} columns are too many for the exact check")));
    }
    let b = b as u32;
    let pieces = a.balanced_pieces(b)?;
    let sa = pieces.len();
    if sa > 256 {
        return Err(CoreError::invalid("matrix", "entries above 2^6000 are not supported by the exact check"));
    }
    let mags: Vec<(Vec<u64>, bool)> =
        k.iter().map(|x| (x.magnitude().to_u64_digits(), x.sign() == Sign::Minus)).collect();
    let kbits = k.iter().map(|x| x.bits()).max().unwrap_or(0) as usize;
    let sk = kbits.div_ceil(b as usize).max(1);
    let c = (CHUNK_COLS / w).clamp(1, sk);
    check_allocation("digit slices of the kernel", (n * c * w) as u128, 8)?;
    check_allocation("carries of the exact check", (m * w * (sa + 1)) as u128, 8)?;
    // Per entry of A K: sa pending partial sums (ring indexed by position mod sa) and a carry.
    let mut state = vec![0i64; m * w * (sa + 1)];
    let mut kc = vec![0f64; n * c * w];
    let mask = (1i64 << b) - 1;
    let failed = AtomicBool::new(false);
    let parallel = par.is_parallel() && m * n * w >= 1 << 16;
    let block = if parallel { m.div_ceil(2 * par.threads()).max(4) } else { m };
    let mut v0 = 0;
    while v0 < sk + sa - 1 && !failed.load(Ordering::Relaxed) {
        intr.check()?;
        let cv = if v0 < sk { c.min(sk - v0) } else { 0 };
        for t in 0..n {
            for vl in 0..cv {
                for j in 0..w {
                    let (mag, neg) = &mags[t * w + j];
                    let d = magnitude_digit(mag, b, v0 + vl) as f64;
                    kc[t * c * w + vl * w + j] = if *neg { -d } else { d };
                }
            }
        }
        // Positions finished in this round: v0 .. v0 + cv (or the tail after the last digit).
        let finish = if cv > 0 { cv } else { sa - 1 };
        let work = |(bi, st): (usize, &mut [i64])| {
            let i0 = bi * block;
            let rows = st.len() / (w * (sa + 1));
            let mut g = vec![0f64; if cv > 0 { sa * rows * c * w } else { 0 }];
            if cv > 0 {
                for (u, piece) in pieces.iter().enumerate() {
                    gemm(rows, n, c * w, 1.0, &piece[i0 * n..], n, &kc, c * w, 0.0, &mut g[u * rows * c * w..], c * w);
                }
            }
            for i in 0..rows {
                for j in 0..w {
                    let e = &mut st[(i * w + j) * (sa + 1)..(i * w + j + 1) * (sa + 1)];
                    for f in 0..finish {
                        let v = v0 + f;
                        if cv > 0 {
                            for u in 0..sa {
                                e[(v + u) % sa] += g[u * rows * c * w + i * c * w + f * w + j] as i64;
                            }
                        }
                        let slot = v % sa;
                        let t = e[slot] + e[sa];
                        if t & mask != 0 {
                            failed.store(true, Ordering::Relaxed);
                            return;
                        }
                        e[sa] = t >> b;
                        e[slot] = 0;
                    }
                }
            }
        };
        if parallel {
            state.par_chunks_mut(block * w * (sa + 1)).enumerate().for_each(work);
        } else {
            work((0, &mut state[..]));
        }
        v0 += finish;
    }
    if failed.load(Ordering::Relaxed) {
        return Ok(false);
    }
    Ok(state.chunks(sa + 1).all(|e| e.iter().all(|&x| x == 0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;

    #[test]
    fn detects_zero_and_nonzero_products() {
        // A = [[1, 2, 3], [2, 4, 6]], kernel vectors (2^200 * (-2), 2^200, 0) and (-3 D, 0, D).
        let a = IntMatrix::from_i64(2, 3, vec![1, 2, 3, 2, 4, 6]).unwrap();
        let d = BigInt::from(1) << 200u32;
        let kt = vec![-&d * 2, -&d * 3, d.clone(), BigInt::from(0), BigInt::from(0), d.clone()];
        for par in [Par::Seq, Par::from_threads(2)] {
            assert!(product_is_zero(&a, &kt, 2, par, &NoInterrupt).unwrap());
            let mut bad = kt.clone();
            bad[5] += 1;
            assert!(!product_is_zero(&a, &bad, 2, par, &NoInterrupt).unwrap());
            let mut bad = kt.clone();
            bad[0] += BigInt::from(1) << 300u32;
            assert!(!product_is_zero(&a, &bad, 2, par, &NoInterrupt).unwrap());
        }
        let empty = IntMatrix::from_i64(0, 3, vec![]).unwrap();
        assert!(product_is_zero(&empty, &kt, 2, Par::Seq, &NoInterrupt).unwrap());
    }
}
