//! Primality and the primes neurocore works modulo.

use crate::error::{CoreError, Result};

/// The default prime, the Mersenne prime 2^61 - 1: large enough that the Schwartz-Zippel bounds
/// of random-point rank tests are negligible, small enough that products fit a `u128` with room
/// to accumulate 64 of them before reducing.
pub const DEFAULT_PRIME: u64 = (1 << 61) - 1;

/// Upper end (exclusive) of the "small" primes used by the f64 elimination kernel: with
/// centred residues below 2^22 in absolute value, 512 products sum exactly in a double.
pub const SMALL_PRIME_BOUND: u64 = 1 << 23;

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((a as u128 * b as u128) % m as u128) as u64
}

fn pow_mod(mut a: u64, mut e: u64, m: u64) -> u64 {
    let mut r = 1 % m;
    a %= m;
    while e > 0 {
        if e & 1 == 1 {
            r = mul_mod(r, a, m);
        }
        a = mul_mod(a, a, m);
        e >>= 1;
    }
    r
}

/// Deterministic Miller-Rabin for all `u64` (the first 12 prime bases suffice below 3.3e24).
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    for &p in &BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let mut d = n - 1;
    let mut s = 0;
    while d.is_multiple_of(2) {
        d /= 2;
        s += 1;
    }
    'witness: for &a in &BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

/// Checks that `p` is a prime with `3 <= p < 2^63`, the range every kernel supports.
pub fn validate_prime(p: u64) -> Result<u64> {
    if !(3..(1 << 63)).contains(&p) {
        return Err(CoreError::invalid("prime", format!("must be a prime with 3 <= p < 2^63, got {p}")));
    }
    if !is_prime(p) {
        return Err(CoreError::invalid("prime", format!("{p} is not prime")));
    }
    Ok(p)
}

/// The largest prime strictly below `bound` (`bound > 3`).
pub fn prev_prime(bound: u64) -> u64 {
    let mut n = bound - 1;
    while !is_prime(n) {
        n -= 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_primes_and_composites() {
        assert!(is_prime(DEFAULT_PRIME));
        assert!(is_prime(2_147_483_647));
        assert!(!is_prime(2_147_483_649));
        assert!(!is_prime(3_215_031_751)); // strong pseudoprime to bases 2, 3, 5, 7
        assert!(is_prime(9_223_372_036_854_775_783)); // largest prime below 2^63
        let small: Vec<u64> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(small, vec![2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    }

    #[test]
    fn validation_rejects_out_of_range() {
        assert!(validate_prime(2).is_err());
        assert!(validate_prime(9).is_err());
        assert!(validate_prime(1 << 63).is_err());
        assert!(validate_prime(u64::MAX).is_err());
        assert_eq!(validate_prime(3).unwrap(), 3);
        assert_eq!(prev_prime(SMALL_PRIME_BOUND), 8_388_593);
    }
}
