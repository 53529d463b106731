//! Timings of the modular linear algebra: `cargo run --release --example bench_rank [-- sizes]`.
//!
//! Random dense square matrices at the default 61-bit prime and at the largest 23-bit prime
//! (the two arithmetic kernels), a rank-deficient case with skipped columns, and an incremental
//! echelon form fed in batches. Each case runs sequentially and on a 2-thread rayon pool; the
//! best of a few repetitions is printed. Reference (python-flint `nmod_mat.rank()`, one thread,
//! same machine): 61-bit 0.020 / 0.162 / 1.03 s and 23-bit 0.012 / 0.079 / 0.547 s for
//! n = 500 / 1000 / 2000.

use neurocore_core::linalg::{rank_mod_p, Echelon, Mat};
use neurocore_core::par::{NoInterrupt, Par};
use neurocore_core::ring::primes::DEFAULT_PRIME;
use neurocore_core::ring::PrimeField;
use std::time::Instant;

const SMALL_PRIME: u64 = 8_388_593;

/// splitmix64: a reproducible stream without a `rand` dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn random(rows: usize, cols: usize, p: u64, rng: &mut Rng) -> Mat<u64> {
    Mat::from_fn(rows, cols, |_, _| rng.next() % p)
}

/// `n x n` of rank `r` (`n / (n - r) >= 2`): `r` random columns with `n - r` columns spread
/// among them, each the sum of the two columns before it (so elimination must skip them).
fn deficient(n: usize, r: usize, p: u64, rng: &mut Rng) -> Mat<u64> {
    let base = random(n, r, p, rng);
    let every = n / (n - r);
    let mut a = Mat::zeros(n, n);
    let mut src = 0;
    for j in 0..n {
        let dependent = j % every == every - 1 && (j / every) < n - r;
        for i in 0..n {
            a[(i, j)] = if dependent { (a[(i, j - 1)] + a[(i, j - 2)]) % p } else { base[(i, src)] };
        }
        src += usize::from(!dependent);
    }
    a
}

/// Best wall time of `reps` runs of `f`, in seconds, and its last result.
fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("reps > 0"))
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![500, 1000, 2000] } else { sizes };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("rayon pool");
    let mut rng = Rng(2024);
    println!("{:<34} {:>10} {:>10} {:>6}", "case", "seq (s)", "2 thr (s)", "rank");
    let run = |name: String, reps: usize, f: &(dyn Fn(Par) -> usize + Sync)| {
        let (seq, r1) = time(reps, || f(Par::Seq));
        let (par, r2) = pool.install(|| time(reps, || f(Par::from_threads(0))));
        assert_eq!(r1, r2, "sequential and parallel disagree");
        println!("{name:<34} {seq:>10.4} {par:>10.4} {r1:>6}");
    };
    for (label, p) in [("61-bit", DEFAULT_PRIME), ("23-bit", SMALL_PRIME)] {
        let field = PrimeField::new(p).expect("prime");
        for &n in &sizes {
            let a = random(n, n, p, &mut rng);
            let reps = if n <= 1000 { 9 } else { 5 };
            run(format!("rank {label} {n}x{n}"), reps, &|par| rank_mod_p(&field, &a, par, &NoInterrupt).expect("rank"));
        }
        let a = deficient(1800, 1700, p, &mut rng);
        run(format!("rank {label} 1800x1800 rank 1700"), 5, &|par| {
            rank_mod_p(&field, &a, par, &NoInterrupt).expect("rank")
        });
        let rows = random(1800, 1800, p, &mut rng);
        run(format!("echelon {label} 1800 rows by 256"), 5, &|par| {
            let mut e = Echelon::new(&field, 1800);
            for start in (0..1800).step_by(256) {
                let b = (1800 - start).min(256);
                let data = rows.as_slice()[start * 1800..(start + b) * 1800].to_vec();
                let batch = Mat::from_vec(b, 1800, data).expect("batch");
                e.add_rows(&batch, par, &NoInterrupt).expect("add_rows");
            }
            e.rank()
        });
    }
}
