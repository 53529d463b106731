//! Training dynamics: first-order optimizers ([`optimizer`]) on the squared loss of a
//! closest-point objective ([`loss`]; the coefficient metrics of [`crate::closest::metric`] or
//! samples), from many independent starts, each recorded ([`record`]) with its closeness to the
//! singular locus ([`singular`]).
//!
//! Reproducibility: start `i` draws its initial point and its mini-batches from its own
//! `SplitMix64::derived(seed, stream, i)` streams and runs sequentially on one thread, so the
//! report is identical for every thread count.

pub mod dense_batch;
pub mod loss;
pub mod optimizer;
pub mod record;
pub mod singular;

pub use optimizer::{OptState, Optimizer};
pub use record::{RecordOptions, RunRecord, RunStatus};

use crate::closest::metric::{check_finite, metric_weights};
use crate::closest::model::{CoefficientMap, LaneDataMap, ModelMap};
use crate::closest::residual::WeightedResidual;
use crate::closest::{start_scale, Metric, Objective};
use crate::error::{CoreError, Result};
use crate::net::Network;
use crate::par::{check_bytes, Interrupt, Par};
use crate::ring::F64Ring;
use crate::rng::SplitMix64;
use dense_batch::DenseBatchMap;
use loss::{full_loss, loss_gradient, LossBuffers, TrainProblem};
use record::{curve_schedule, plateau_statistics};

const STREAM_INIT: u64 = 0x5472_6169_6e69_6e01;
const STREAM_BATCH: u64 = 0x5472_6169_6e69_6e02;

/// Where the starts come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// Independent `N(0, (factor * scale)^2)` entries; `scale: None` matches the scale to the
    /// target ([`crate::closest::start_scale`]); `factor < 1` gives a small initialisation
    /// relative to it.
    Gaussian { scale: Option<f64>, factor: f64 },
    /// Explicit starts, `starts x n_params` row-major.
    Explicit(Vec<f64>),
}

/// Options of a training study.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub optimizer: Optimizer,
    pub lr: f64,
    pub steps: usize,
    pub starts: usize,
    /// Index of the first start: starts `first_start .. first_start + starts` are run, so a
    /// study split into chunks (for a progress bar) draws the same starts as one call.
    pub first_start: usize,
    pub init: Init,
    pub seed: u64,
    /// Samples per mini-batch (data objectives only); `None` is full batch.
    pub batch_size: Option<usize>,
    /// The generic rank `r` of the Jacobian of `phi` for the singular ratio; `None` skips it.
    pub rank: Option<usize>,
    pub record: RecordOptions,
}

/// All runs, in start order, and the scale of the Gaussian starts (NaN for explicit ones).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    pub scale: f64,
    pub runs: Vec<RunRecord>,
}

fn check_options(opts: &TrainOptions) -> Result<()> {
    if !(opts.lr.is_finite() && opts.lr > 0.0) {
        return Err(CoreError::invalid("lr", format!("must be positive and finite, got {}", opts.lr)));
    }
    if opts.starts == 0 {
        return Err(CoreError::invalid("starts", "must be at least 1, got 0"));
    }
    if let Init::Gaussian { scale, factor } = opts.init {
        if let Some(s) = scale.filter(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(CoreError::invalid("init_scale", format!("must be positive and finite, got {s}")));
        }
        if !(factor.is_finite() && factor > 0.0) {
            return Err(CoreError::invalid("init", format!("the scale factor must be positive, got {factor}")));
        }
    }
    let r = &opts.record;
    for (name, v) in
        [("gtol", r.gtol), ("ftol", r.ftol), ("plateau_band", r.plateau_band), ("plateau_grad", r.plateau_grad)]
    {
        if !(v.is_finite() && v >= 0.0) {
            return Err(CoreError::invalid(name, format!("must be finite and >= 0, got {v}")));
        }
    }
    if !(r.divergence.is_finite() && r.divergence > 1.0) {
        return Err(CoreError::invalid("divergence", format!("must be finite and > 1, got {}", r.divergence)));
    }
    if let Some(f) = r.fractions.iter().find(|f| !(f.is_finite() && **f > 0.0 && **f < 1.0)) {
        return Err(CoreError::invalid("fractions", format!("each must lie in (0, 1), got {f}")));
    }
    if opts.batch_size == Some(0) {
        return Err(CoreError::invalid("batch_size", "must be at least 1, got 0"));
    }
    Ok(())
}

/// Refuses, before any run starts, a study whose records and per-thread buffers (with `scratch`
/// words per evaluation of the dense fast path) exceed the memory limit.
fn check_memory(opts: &TrainOptions, n: usize, m: usize, ambient: usize, scratch: u128, par: Par) -> Result<()> {
    let (n, m, a) = (n as u128, m as u128, ambient as u128);
    let points = opts.record.curve_points.max(2).min(opts.steps + 1) as u128;
    let per_result = 2 * n + 3 * points + opts.record.fractions.len() as u128 + 16;
    let ratio = if opts.rank.is_some() { a * (n + 1) + n * n } else { 0 };
    let per_worker = m * (n + 1) + 5 * n + ratio + 2 * (opts.steps as u128 + 1) + m + scratch;
    let workers = (par.threads().max(1) as u128).min(opts.starts as u128);
    let words = (opts.starts as u128).saturating_mul(per_result).saturating_add(workers.saturating_mul(per_worker));
    check_bytes("the training runs (records of every start and per-thread buffers)", words.saturating_mul(8))
}

struct Study<'a, P: ?Sized> {
    problem: &'a P,
    phi: Option<&'a CoefficientMap<'a, F64Ring>>,
    /// Output dimension (residual rows per sample) and sample count, for mini-batches.
    batch: Option<(usize, usize, usize)>,
    opts: &'a TrainOptions,
    /// The problem has a direct gradient (no Jacobian buffer).
    direct: bool,
}

impl<P: TrainProblem + ?Sized> Study<'_, P> {
    fn ratio(&self, theta: &[f64], values: &mut [f64], jac: &mut [f64]) -> Result<f64> {
        match (self.phi, self.opts.rank) {
            (Some(phi), Some(rank)) => {
                phi.values_jacobian(theta, values, jac)?;
                Ok(singular::singular_ratio(jac, phi.n_values(), phi.n_params(), rank))
            }
            _ => Ok(f64::NAN),
        }
    }

    fn run(&self, start: usize, theta0: Vec<f64>, intr: &dyn Interrupt) -> Result<RunRecord> {
        let (opts, rec) = (self.opts, &self.opts.record);
        let (n, m) = (self.problem.n_params(), self.problem.n_residuals());
        let mut buf = LossBuffers::new(m, n, self.direct);
        let mut state = OptState::new(opts.optimizer, n);
        let (amb, np) = self.phi.filter(|_| opts.rank.is_some()).map_or((0, 0), |p| (p.n_values(), p.n_params()));
        let (mut pv, mut pj) = (vec![0.0; amb], vec![0.0; amb * np]);
        let schedule = curve_schedule(opts.steps, rec.curve_points);
        let mut next = 0usize;
        let mut batch_rng = SplitMix64::derived(opts.seed, STREAM_BATCH, start as u64);
        let (mut perm, mut rows) = (Vec::new(), Vec::new());
        if let Some((_, n_points, _)) = self.batch {
            perm = (0..n_points).collect();
        }
        let mut theta = theta0.clone();
        let mut prev_theta = theta0.clone();
        let mut r = RunRecord {
            theta0,
            theta: vec![],
            steps: 0,
            status: RunStatus::MaxSteps,
            stop_step: None,
            initial_loss: f64::NAN,
            final_loss: f64::NAN,
            final_grad_norm: f64::NAN,
            curve_steps: vec![],
            curve_loss: vec![],
            curve_ratio: vec![],
            fraction_steps: vec![None; rec.fractions.len()],
            plateau_steps: 0,
            plateaus: 0,
        };
        let mut flags: Vec<(bool, f64)> = Vec::with_capacity(opts.steps + 1);
        let (mut prev_loss, mut prev_grad, mut g0) = (f64::NAN, f64::NAN, f64::NAN);
        for t in 0..=opts.steps {
            intr.check()?;
            let batch = match self.batch {
                Some((out, n_points, size)) => {
                    // Partial Fisher-Yates: the first `size` entries of `perm` are the batch.
                    for k in 0..size {
                        let j = k + batch_rng.below((n_points - k) as u64) as usize;
                        perm.swap(k, j);
                    }
                    rows.clear();
                    rows.extend(perm[..size].iter().flat_map(|&i| i * out..(i + 1) * out));
                    Some((rows.as_slice(), n_points as f64 / size as f64))
                }
                None => None,
            };
            let step_loss = loss_gradient(self.problem, &theta, batch, &mut buf)?;
            let loss = if batch.is_some() { full_loss(&buf) } else { step_loss };
            let gnorm = buf.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
            if t == 0 {
                r.initial_loss = loss;
                g0 = gnorm;
            }
            let limit = rec.divergence * r.initial_loss.max(1.0);
            let finite = loss.is_finite() && gnorm.is_finite() && theta.iter().all(|v| v.is_finite());
            if !finite || loss > limit {
                r.status = RunStatus::Diverged;
                r.stop_step = Some(t);
                if t == 0 {
                    return Err(CoreError::invalid("init", format!("the loss at a start is {loss} (start {start})")));
                }
                r.theta = prev_theta;
                r.final_loss = prev_loss;
                r.final_grad_norm = prev_grad;
                r.steps = t - 1;
                break;
            }
            for (f, s) in rec.fractions.iter().zip(r.fraction_steps.iter_mut()) {
                if s.is_none() && loss <= f * r.initial_loss {
                    *s = Some(t);
                }
            }
            let change = if t > 0 { (prev_loss - loss).abs() } else { f64::INFINITY };
            if t > 0 {
                flags.push((change <= rec.plateau_band * prev_loss && gnorm <= rec.plateau_grad * g0, loss));
            }
            let converged = gnorm <= rec.gtol || (t > 0 && change <= rec.ftol * prev_loss.max(1e-300));
            let last = converged || t == opts.steps;
            if next < schedule.len() && schedule[next] == t || last {
                r.curve_steps.push(t);
                r.curve_loss.push(loss);
                let measure = (r.curve_steps.len() - 1).is_multiple_of(rec.ratio_every.max(1)) || last;
                r.curve_ratio.push(if measure { self.ratio(&theta, &mut pv, &mut pj)? } else { f64::NAN });
                while next < schedule.len() && schedule[next] <= t {
                    next += 1;
                }
            }
            if last {
                r.status = if converged { RunStatus::Converged } else { RunStatus::MaxSteps };
                r.stop_step = converged.then_some(t);
                r.final_loss = loss;
                r.final_grad_norm = gnorm;
                r.steps = t;
                r.theta = theta;
                break;
            }
            prev_theta.copy_from_slice(&theta);
            prev_loss = loss;
            prev_grad = gnorm;
            state.step(&mut theta, &buf.grad, opts.lr);
        }
        let (total, count) = plateau_statistics(&flags, r.final_loss, rec);
        r.plateau_steps = total;
        r.plateaus = count;
        Ok(r)
    }
}

/// Runs every start of `problem`. `direct`: the problem has a direct gradient (no Jacobian
/// buffer) whose evaluations take this many words of scratch per worker; `None`: the Jacobian
/// route.
fn run_study<M: ModelMap<F64Ring>>(
    net: &Network,
    problem: &WeightedResidual<M>,
    batch: Option<(usize, usize, usize)>,
    direct: Option<u128>,
    opts: &TrainOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<TrainReport>
where
    WeightedResidual<M>: TrainProblem,
{
    let n = problem.map.n_params();
    let phi = match opts.rank {
        Some(_) => Some(CoefficientMap::new(net, F64Ring)?),
        None => None,
    };
    let ambient = phi.as_ref().map_or(0, |p| p.n_values());
    check_memory(opts, n, problem.map.n_values(), ambient, direct.unwrap_or(0), par)?;
    let scale = match &opts.init {
        Init::Explicit(v) => {
            if v.len() != opts.starts * n {
                return Err(CoreError::invalid(
                    "init",
                    format!("expected {} x {n} starting values, got {}", opts.starts, v.len()),
                ));
            }
            check_finite("init", v)?;
            f64::NAN
        }
        Init::Gaussian { scale: Some(s), factor } => s * factor,
        Init::Gaussian { scale: None, factor } => start_scale(net, problem, opts.seed)? * factor,
    };
    let study = Study { problem, phi: phi.as_ref(), batch, opts, direct: direct.is_some() };
    let one = |i: usize| -> Result<RunRecord> {
        let theta0 = match &opts.init {
            Init::Explicit(v) => v[i * n..(i + 1) * n].to_vec(),
            Init::Gaussian { .. } => {
                let mut rng = SplitMix64::derived(opts.seed, STREAM_INIT, (opts.first_start + i) as u64);
                (0..n).map(|_| scale * rng.normal()).collect()
            }
        };
        study.run(opts.first_start + i, theta0, intr)
    };
    let runs = par.map_tasks(opts.starts, one)?;
    Ok(TrainReport { scale, runs })
}

/// Trains `net` on `objective` from `opts.starts` starts, in parallel when `par` allows, with
/// identical results for every thread count.
///
/// Fails with `InvalidArgument` naming the argument for a non-positive or non-finite `lr`,
/// a target or samples of the wrong shape, NaN or infinite input or starts, a start whose loss
/// is not finite, mini-batches on a coefficient objective or larger than the sample; with
/// `TooLarge` when the study does not fit the memory limit; `Interrupted` between steps.
pub fn train(
    net: &Network,
    objective: &Objective,
    opts: &TrainOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<TrainReport> {
    check_options(opts)?;
    match objective {
        Objective::Coefficients { target, metric } => {
            if opts.batch_size.is_some() {
                return Err(CoreError::invalid("batch_size", "mini-batches need data=(X, Y), not a target"));
            }
            let map = CoefficientMap::new(net, F64Ring)?;
            let ambient = map.n_values();
            if target.len() != ambient {
                return Err(CoreError::invalid(
                    "target",
                    format!("expected {ambient} coefficients (the ambient dimension), got {}", target.len()),
                ));
            }
            check_finite("target", target)?;
            let w = metric_weights(net, metric, ambient)?;
            let sqrt_w =
                if matches!(metric, Metric::Euclidean) { vec![] } else { w.iter().map(|v| v.sqrt()).collect() };
            let problem = WeightedResidual { map, target: target.clone(), sqrt_w };
            run_study(net, &problem, None, None, opts, par, intr)
        }
        Objective::Data { points, values } => {
            check_finite("x", points)?;
            check_finite("y", values)?;
            let (d, out) = (net.input_dim(), net.output_dim());
            if points.is_empty() || !points.len().is_multiple_of(d) {
                return Err(CoreError::invalid(
                    "x",
                    format!("expected an n_samples x {d} array, got {} values", points.len()),
                ));
            }
            let n_points = points.len() / d;
            if values.len() != n_points * out {
                return Err(CoreError::invalid(
                    "y",
                    format!("expected {n_points} x {out} values, got {}", values.len()),
                ));
            }
            let batch = match opts.batch_size {
                Some(b) if b > n_points => {
                    return Err(CoreError::invalid("batch_size", format!("{b} exceeds the {n_points} samples")))
                }
                Some(b) if b < n_points => Some((out, n_points, b)),
                _ => None,
            };
            // Dense polynomial networks: the step as matrix products over all samples.
            if let Some(map) = DenseBatchMap::new(net, points)? {
                let scratch = map.scratch_words();
                let problem = WeightedResidual { map, target: values.clone(), sqrt_w: vec![] };
                return run_study(net, &problem, batch, Some(scratch), opts, par, intr);
            }
            let problem =
                WeightedResidual { map: LaneDataMap::new(net, points)?, target: values.clone(), sqrt_w: vec![] };
            run_study(net, &problem, batch, Some(0), opts, par, intr)
        }
    }
}
