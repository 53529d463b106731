//! Dense integer matrices with machine-word or arbitrary-precision entries, and the views the
//! exact algorithms need of them: residues modulo p, splits into small signed digits (so that
//! f64 matrix products stay exact), and the norms that enter Hadamard's bound.

use crate::error::{CoreError, Result};
use crate::linalg::Mat;
use crate::par::check_allocation;
use crate::ring::PrimeField;
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{ToPrimitive, Zero};

/// An `rows x cols` integer matrix, row-major. Entries that all fit `i64` are stored as such
/// (the fast path); otherwise as [`BigInt`]s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntMatrix {
    rows: usize,
    cols: usize,
    data: Entries,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Entries {
    Small(Vec<i64>),
    Big(Vec<BigInt>),
}

fn check_len(rows: usize, cols: usize, len: usize) -> Result<()> {
    let need = rows
        .checked_mul(cols)
        .ok_or_else(|| CoreError::invalid("rows", format!("{rows} x {cols} entries overflow usize")))?;
    if need != len {
        return Err(CoreError::invalid("entries", format!("a {rows} x {cols} matrix needs {need} entries, got {len}")));
    }
    Ok(())
}

/// An upper bound on `log2(x)` for `x > 0` (`-inf` for zero), exact to about 1e-12 bits.
pub(crate) fn log2_upper(x: &BigUint) -> f64 {
    let bits = x.bits();
    if bits == 0 {
        return f64::NEG_INFINITY;
    }
    if bits <= 52 {
        return x.to_f64().map_or(0.0, f64::log2);
    }
    let top = (x >> (bits - 53)).to_u64().unwrap_or(u64::MAX);
    (bits - 53) as f64 + ((top + 1) as f64).log2() + 1e-12
}

/// Base-`2^b` digits `d_v = bit field [b v, b (v+1))` of a magnitude, `0 <= d_v < 2^b`.
#[inline]
pub(crate) fn magnitude_digit(mag: &[u64], b: u32, v: usize) -> u64 {
    let bit = v as u64 * b as u64;
    let word = (bit / 64) as usize;
    let off = (bit % 64) as u32;
    if word >= mag.len() {
        return 0;
    }
    let mut x = mag[word] >> off;
    if off + b > 64 && word + 1 < mag.len() {
        x |= mag[word + 1] << (64 - off);
    }
    x & ((1u64 << b) - 1)
}

/// Writes the `out.len()` balanced base-`2^b` digits of `sign * mag` (`|d_v| <= 2^(b-1)`,
/// `sum d_v 2^(b v)` is the value); false when they do not suffice.
pub(crate) fn balanced_digits(mag: &[u64], negative: bool, b: u32, out: &mut [i64]) -> bool {
    let half = 1i64 << (b - 1);
    let full = 1i64 << b;
    let mut carry = 0i64;
    for (v, o) in out.iter_mut().enumerate() {
        let mut d = magnitude_digit(mag, b, v) as i64 + carry;
        if d >= half {
            d -= full;
            carry = 1;
        } else {
            carry = 0;
        }
        *o = if negative { -d } else { d };
    }
    let used_bits = out.len() as u64 * b as u64;
    let rest_zero = (0..mag.len()).all(|w| {
        let lo = w as u64 * 64;
        lo + 64 <= used_bits || (if lo >= used_bits { mag[w] == 0 } else { mag[w] >> (used_bits - lo) == 0 })
    });
    carry == 0 && rest_zero
}

impl IntMatrix {
    /// The matrix with row-major machine-word entries.
    pub fn from_i64(rows: usize, cols: usize, data: Vec<i64>) -> Result<Self> {
        check_len(rows, cols, data.len())?;
        Ok(IntMatrix { rows, cols, data: Entries::Small(data) })
    }

    /// The matrix with row-major arbitrary-precision entries (stored as `i64` when they fit).
    pub fn from_bigints(rows: usize, cols: usize, data: Vec<BigInt>) -> Result<Self> {
        check_len(rows, cols, data.len())?;
        let small: Option<Vec<i64>> = data.iter().map(|v| v.to_i64()).collect();
        Ok(match small {
            Some(s) => IntMatrix { rows, cols, data: Entries::Small(s) },
            None => IntMatrix { rows, cols, data: Entries::Big(data) },
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Entry `(i, j)`.
    pub fn entry(&self, i: usize, j: usize) -> BigInt {
        let k = i * self.cols + j;
        match &self.data {
            Entries::Small(v) => BigInt::from(v[k]),
            Entries::Big(v) => v[k].clone(),
        }
    }

    /// True when every entry is zero.
    pub fn is_zero(&self) -> bool {
        match &self.data {
            Entries::Small(v) => v.iter().all(|&x| x == 0),
            Entries::Big(v) => v.iter().all(Zero::is_zero),
        }
    }

    /// `A^T`.
    pub fn transpose(&self) -> IntMatrix {
        let (r, c) = (self.rows, self.cols);
        let data = match &self.data {
            Entries::Small(v) => Entries::Small((0..r * c).map(|k| v[(k % r) * c + k / r]).collect()),
            Entries::Big(v) => Entries::Big((0..r * c).map(|k| v[(k % r) * c + k / r].clone()).collect()),
        };
        IntMatrix { rows: c, cols: r, data }
    }

    /// The submatrix on the given columns (all rows).
    pub(crate) fn select_cols(&self, cols: &[usize]) -> IntMatrix {
        let (r, c, w) = (self.rows, self.cols, cols.len());
        let data = match &self.data {
            Entries::Small(v) => Entries::Small((0..r * w).map(|k| v[(k / w) * c + cols[k % w]]).collect()),
            Entries::Big(v) => Entries::Big((0..r * w).map(|k| v[(k / w) * c + cols[k % w]].clone()).collect()),
        };
        IntMatrix { rows: r, cols: w, data }
    }

    /// Every entry modulo `p`, as canonical residues.
    pub fn residues(&self, f: &PrimeField) -> Result<Mat<u64>> {
        check_allocation("residues of the matrix", (self.rows as u128) * self.cols as u128, 8)?;
        let data = match &self.data {
            Entries::Small(v) => v.iter().map(|&x| f.from_i128(x as i128)).collect(),
            Entries::Big(v) => v.iter().map(|x| f.from_bigint(x)).collect(),
        };
        Mat::from_vec(self.rows, self.cols, data)
    }

    /// The sign and little-endian magnitude words of entry `k`, passed to `f`.
    #[inline]
    fn with_magnitude<T>(&self, k: usize, f: impl FnOnce(&[u64], bool) -> T) -> T {
        match &self.data {
            Entries::Small(v) => f(&[v[k].unsigned_abs()], v[k] < 0),
            Entries::Big(v) => f(&v[k].magnitude().to_u64_digits(), v[k].sign() == Sign::Minus),
        }
    }

    /// `max_ij bits(|a_ij|)` (0 for the zero matrix).
    pub(crate) fn max_bits(&self) -> u64 {
        match &self.data {
            Entries::Small(v) => v.iter().map(|x| 64 - x.unsigned_abs().leading_zeros() as u64).max().unwrap_or(0),
            Entries::Big(v) => v.iter().map(|x| x.bits()).max().unwrap_or(0),
        }
    }

    /// The balanced base-`2^b` digit matrices `A = sum_u 2^(b u) A_u`, `|A_u| <= 2^(b-1)`, as
    /// `s` row-major f64 buffers; `s = ceil((max_bits + 2) / b)` (balanced digits reach about
    /// `2^(b s - 1) (1 - 2^(1-b)) / (1 - 2^-b) >= 2^(b s - 2)`).
    pub(crate) fn balanced_pieces(&self, b: u32) -> Result<Vec<Vec<f64>>> {
        let s = (self.max_bits() as usize + 2).div_ceil(b as usize).max(1);
        let len = self.rows * self.cols;
        check_allocation("digit matrices", (s as u128) * len as u128, 8)?;
        let mut pieces = vec![vec![0f64; len]; s];
        let mut digits = vec![0i64; s];
        for k in 0..len {
            let ok = self.with_magnitude(k, |mag, neg| balanced_digits(mag, neg, b, &mut digits));
            if !ok {
                return Err(CoreError::internal("digit split too short"));
            }
            for (piece, d) in pieces.iter_mut().zip(&digits) {
                piece[k] = *d as f64;
            }
        }
        Ok(pieces)
    }

    /// Entry-major limbs `(l_0, ..., l_{s-1})` of every entry in base `2^b` with
    /// `0 <= l_v < 2^b` for `v < s - 1` and a signed top limb (the residual format of the
    /// lifting), negated when `negate`; `None` when `s` limbs cannot hold the entries.
    pub(crate) fn limbs(&self, b: u32, s: usize, negate: bool) -> Result<Option<Vec<i64>>> {
        let len = self.rows * self.cols;
        check_allocation("residual limbs", (s as u128) * len as u128, 8)?;
        let mut out = vec![0i64; len * s];
        let mut digits = vec![0i64; s];
        let mask = (1i64 << b) - 1;
        for k in 0..len {
            if !self.with_magnitude(k, |mag, neg| balanced_digits(mag, neg != negate, b, &mut digits)) {
                return Ok(None);
            }
            let l = &mut out[k * s..(k + 1) * s];
            let mut carry = 0i64;
            for v in 0..s - 1 {
                let t = digits[v] + carry;
                l[v] = t & mask;
                carry = (t - l[v]) >> b;
            }
            l[s - 1] = digits[s - 1] + carry;
        }
        Ok(Some(out))
    }

    /// `max_i sum_j |a_ij|` exactly.
    pub(crate) fn max_row_l1(&self) -> BigUint {
        let c = self.cols.max(1);
        match &self.data {
            Entries::Small(v) => v
                .chunks(c)
                .map(|row| row.iter().map(|x| x.unsigned_abs() as u128).sum::<u128>())
                .max()
                .map_or_else(BigUint::zero, BigUint::from),
            Entries::Big(v) => v
                .chunks(c)
                .map(|row| row.iter().map(|x| x.magnitude().clone()).sum::<BigUint>())
                .max()
                .unwrap_or_else(BigUint::zero),
        }
    }

    /// `max_ij |a_ij|` exactly.
    pub(crate) fn max_abs(&self) -> BigUint {
        match &self.data {
            Entries::Small(v) => BigUint::from(v.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0)),
            Entries::Big(v) => v.iter().map(|x| x.magnitude().clone()).max().unwrap_or_else(BigUint::zero),
        }
    }

    /// `||A[i, :]||_2^2` for the given rows, exactly.
    pub(crate) fn row_sq_norms(&self, rows: &[usize]) -> Vec<BigUint> {
        rows.iter().map(|&i| self.sq_norm((0..self.cols).map(|j| i * self.cols + j))).collect()
    }

    /// `||A[rows, j]||_2^2` for every column `j`, exactly.
    pub(crate) fn col_sq_norms(&self, rows: &[usize]) -> Vec<BigUint> {
        (0..self.cols).map(|j| self.sq_norm(rows.iter().map(|&i| i * self.cols + j))).collect()
    }

    fn sq_norm(&self, idx: impl Iterator<Item = usize>) -> BigUint {
        match &self.data {
            Entries::Small(v) => {
                // Squares are below 2^128; sum in u128 and spill into a BigUint on overflow.
                let mut acc: u128 = 0;
                let mut big = BigUint::zero();
                for k in idx {
                    let x = v[k].unsigned_abs() as u128;
                    let sq = x * x;
                    match acc.checked_add(sq) {
                        Some(s) => acc = s,
                        None => {
                            big += acc;
                            acc = sq;
                        }
                    }
                }
                big + acc
            }
            Entries::Big(v) => idx.map(|k| v[k].magnitude() * v[k].magnitude()).sum(),
        }
    }

    /// The entries as `BigInt`s (row-major).
    pub fn to_bigints(&self) -> Vec<BigInt> {
        match &self.data {
            Entries::Small(v) => v.iter().map(|&x| BigInt::from(x)).collect(),
            Entries::Big(v) => v.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_round_trip() {
        for b in [3u32, 16, 21, 26] {
            for v in [0i128, 1, -1, 5, -7, i64::MAX as i128, i64::MIN as i128, 1 << 80, -(1 << 90) + 12345] {
                let x = BigInt::from(v);
                let m = IntMatrix::from_bigints(1, 1, vec![x.clone()]).unwrap();
                let pieces = m.balanced_pieces(b).unwrap();
                let mut back = BigInt::zero();
                for (u, p) in pieces.iter().enumerate() {
                    assert!(p[0].abs() <= (1u64 << (b - 1)) as f64);
                    back += BigInt::from(p[0] as i64) << (b as usize * u);
                }
                assert_eq!(back, x, "b={b} v={v}");
                let s = pieces.len() + 1;
                let l = m.limbs(b, s, false).unwrap().unwrap();
                let mut back = BigInt::zero();
                for (u, d) in l.iter().enumerate() {
                    if u + 1 < s {
                        assert!(*d >= 0 && *d < (1 << b));
                    }
                    back += BigInt::from(*d) << (b as usize * u);
                }
                assert_eq!(back, x);
            }
        }
        let m = IntMatrix::from_bigints(1, 1, vec![BigInt::from(1) << 100]).unwrap();
        assert!(m.limbs(20, 2, false).unwrap().is_none());
        let neg = IntMatrix::from_i64(1, 1, vec![-5]).unwrap().limbs(4, 3, true).unwrap().unwrap();
        assert_eq!(neg, vec![5, 0, 0]);
    }

    #[test]
    fn norms_and_transpose() {
        let m = IntMatrix::from_i64(2, 3, vec![3, -4, 0, 1, 2, -2]).unwrap();
        assert_eq!(m.max_row_l1(), BigUint::from(7u32));
        assert_eq!(m.max_abs(), BigUint::from(4u32));
        assert_eq!(m.row_sq_norms(&[0, 1]), vec![BigUint::from(25u32), BigUint::from(9u32)]);
        assert_eq!(m.col_sq_norms(&[0]), vec![BigUint::from(9u32), BigUint::from(16u32), BigUint::zero()]);
        let t = m.transpose();
        assert_eq!((t.rows(), t.cols()), (3, 2));
        assert_eq!(t.entry(1, 0), BigInt::from(-4));
        assert_eq!(
            m.select_cols(&[2, 0]).to_bigints(),
            vec![0, 3, -2, 1].into_iter().map(BigInt::from).collect::<Vec<_>>()
        );
        assert!(log2_upper(&(BigUint::from(1u32) << 1000u32)) >= 1000.0);
        assert!(log2_upper(&(BigUint::from(1u32) << 1000u32)) < 1000.0 + 1e-9);
    }
}
