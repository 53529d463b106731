//! What one run records: a downsampled loss curve, the first steps at which the loss falls
//! below given fractions of its start, convergence under stated tolerances, divergence with its
//! step, time in plateaus, and the singular ratio on the downsampled steps.

/// Tolerances and sampling of the record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOptions {
    /// Number of points of the downsampled curve (at steps `round(k * steps / (points - 1))`).
    pub curve_points: usize,
    /// Loss fractions `f`: record the first step with `L_t <= f * L_0`.
    pub fractions: Vec<f64>,
    /// Converged at the first step with `||grad||_2 <= gtol`, or with
    /// `|L_{t-1} - L_t| <= ftol * max(L_{t-1}, 1e-300)`.
    pub gtol: f64,
    pub ftol: f64,
    /// Diverged when the loss or a parameter is not finite or `L_t > divergence * max(L_0, 1)`.
    pub divergence: f64,
    /// A plateau step: relative loss change below `plateau_band`, gradient norm below
    /// `plateau_grad` times the initial gradient norm, and the loss above `(1 + plateau_band
    /// * 100) * L_final`; a plateau is a maximal run of at least `plateau_min` such steps.
    pub plateau_band: f64,
    pub plateau_grad: f64,
    pub plateau_min: usize,
    /// The singular ratio is measured on every `ratio_every`-th curve point and on the last one
    /// (NaN on the others): each measurement is an eigen-decomposition of `J^T J`, far dearer
    /// than a step.
    pub ratio_every: usize,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions {
            curve_points: 101,
            fractions: vec![0.5, 0.1, 0.01],
            gtol: 1e-8,
            ftol: 0.0,
            divergence: 1e12,
            plateau_band: 1e-4,
            plateau_grad: 1e-2,
            plateau_min: 10,
            ratio_every: 1,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Converged,
    MaxSteps,
    Diverged,
}

impl RunStatus {
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Converged => "converged",
            RunStatus::MaxSteps => "max_steps",
            RunStatus::Diverged => "diverged",
        }
    }
}

/// One run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub theta0: Vec<f64>,
    /// Final parameters (the last finite iterate for a diverged run).
    pub theta: Vec<f64>,
    /// Steps taken (updates applied).
    pub steps: usize,
    pub status: RunStatus,
    /// The step at which convergence or divergence was detected.
    pub stop_step: Option<usize>,
    pub initial_loss: f64,
    /// Loss at `theta` (finite: for a diverged run, at the last finite iterate).
    pub final_loss: f64,
    pub final_grad_norm: f64,
    /// `(step, loss)` on the downsampled steps reached.
    pub curve_steps: Vec<usize>,
    pub curve_loss: Vec<f64>,
    /// `sigma_r / sigma_1` of the Jacobian of `phi` on `curve_steps` (empty when not measured).
    pub curve_ratio: Vec<f64>,
    /// First step with `L_t <= f L_0` for each fraction (None when never reached).
    pub fraction_steps: Vec<Option<usize>>,
    /// Total steps in plateaus and number of plateaus.
    pub plateau_steps: usize,
    pub plateaus: usize,
}

/// The downsampled steps `0 = s_0 < ... < s_{p-1} = steps`.
pub fn curve_schedule(steps: usize, points: usize) -> Vec<usize> {
    let p = points.max(2);
    let mut s: Vec<usize> = (0..p).map(|k| ((k as f64) * steps as f64 / (p - 1) as f64).round() as usize).collect();
    s.dedup();
    s
}

/// Counts plateau steps after the run: `flags[t]` says whether step `t` satisfied the band and
/// gradient conditions; the loss condition against the final loss is applied here.
pub fn plateau_statistics(flags: &[(bool, f64)], final_loss: f64, opts: &RecordOptions) -> (usize, usize) {
    let above = final_loss.max(0.0) * (1.0 + 100.0 * opts.plateau_band);
    let (mut total, mut count, mut run) = (0usize, 0usize, 0usize);
    let close = |run: &mut usize, total: &mut usize, count: &mut usize| {
        if *run >= opts.plateau_min.max(1) {
            *total += *run;
            *count += 1;
        }
        *run = 0;
    };
    for &(flag, loss) in flags {
        if flag && loss > above {
            run += 1;
        } else {
            close(&mut run, &mut total, &mut count);
        }
    }
    close(&mut run, &mut total, &mut count);
    (total, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_and_plateaus() {
        assert_eq!(curve_schedule(10, 3), vec![0, 5, 10]);
        assert_eq!(curve_schedule(2, 5), vec![0, 1, 2]);
        let o = RecordOptions { plateau_min: 2, ..RecordOptions::default() };
        // Steps with loss 5 flagged three times, one flagged step alone, one below the final loss band.
        let f = [(true, 5.0), (true, 5.0), (true, 5.0), (false, 4.0), (true, 3.0), (true, 1.0), (true, 1.0)];
        assert_eq!(plateau_statistics(&f, 1.0, &o), (3, 1));
    }
}
