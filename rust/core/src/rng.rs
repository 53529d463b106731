//! A small, portable, seedable generator (SplitMix64, Steele-Lea-Flood 2014). Results of
//! neurocore must be reproducible from `seed` on every platform and for every thread count, so
//! every random stream is derived from `(seed, purpose, index)` rather than from shared state.

/// SplitMix64: passes BigCrush, one multiply-xorshift chain per output.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// An independent stream for `(seed, stream, index)`, e.g. one per trial or per point batch.
    pub fn derived(seed: u64, stream: u64, index: u64) -> Self {
        let mut g = SplitMix64::new(seed ^ 0x6a09_e667_f3bc_c909);
        let a = g.next_u64() ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut g = SplitMix64::new(a);
        let b = g.next_u64() ^ index.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        SplitMix64::new(b)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Exactly uniform in `[0, n)` by rejection (the Schwartz-Zippel bounds assume uniformity).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal by Box-Muller.
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit_f64();
        let u2 = self.unit_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_in_range() {
        let mut a = SplitMix64::derived(7, 1, 2);
        let mut b = SplitMix64::derived(7, 1, 2);
        let mut c = SplitMix64::derived(7, 1, 3);
        let va: Vec<u64> = (0..5).map(|_| a.below(10)).collect();
        let vb: Vec<u64> = (0..5).map(|_| b.below(10)).collect();
        assert_eq!(va, vb);
        assert!(va.iter().all(|&v| v < 10));
        assert_ne!(a.next_u64(), c.next_u64());
    }
}
