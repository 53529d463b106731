//! Why an attention network's Jacobian drops rank at a point: in every head, the ranks of the
//! score matrix `Q^T K` (`d x d`, generic rank `min(a, d)`) and of the value matrix `V`. A head
//! with `Q^T K = 0` or `V = 0` contributes nothing (a smaller network); a score matrix of rank
//! below `min(a, d)` with `a < d` lies in the singular locus of the determinantal variety
//! `{rank <= a}` of score matrices, a boundary point (when `a >= d` every matrix has rank at
//! most `a` and there is no such locus).

use super::scalar::EvidenceScalar;
use crate::error::Result;
use crate::net::{Layer, Network};
use crate::par::{Interrupt, Par};

/// The ranks of one head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadEvidence {
    /// Index of the attention layer in the network.
    pub layer: usize,
    pub head: usize,
    pub scores_rank: usize,
    pub max_scores_rank: usize,
    pub value_rank: usize,
}

/// The evidence of one attention point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionEvidence {
    pub heads: Vec<HeadEvidence>,
    /// A head with zero scores or zero values.
    pub dead_head: bool,
    /// A head whose scores drop below the generic rank `min(a, d)` with `a < d`.
    pub low_rank_scores: bool,
}

/// Whether every layer of `net` is an attention layer.
pub fn is_attention(net: &Network) -> bool {
    net.layers().iter().all(|l| matches!(l, Layer::Attention(_)))
}

/// The evidence of `theta` for an attention network (floats compare at `atol`).
pub fn attention_evidence<S: EvidenceScalar>(
    net: &Network,
    theta: &[S],
    atol: f64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<AttentionEvidence> {
    let mut ev = AttentionEvidence { heads: vec![], dead_head: false, low_rank_scores: false };
    for (idx, layer) in net.layers().iter().enumerate() {
        let Layer::Attention(att) = layer else { continue };
        let (a, d, dout) = (att.key_dim, att.input_width, att.output_width);
        let params = net.layer_params(theta, idx);
        for (h, head) in params.chunks_exact(att.head_params()).enumerate() {
            let (q, k, v) = att.split_head(head);
            // (Q^T K)_{ij} = sum_m Q_{m i} K_{m j}.
            let mut qk = vec![S::zero(); d * d];
            for m in 0..a {
                for i in 0..d {
                    for j in 0..d {
                        qk[i * d + j] = qk[i * d + j].add(&q[m * d + i].mul(&k[m * d + j]));
                    }
                }
            }
            let scores_rank = S::rank(d, d, &qk, atol, par, intr)?;
            let value_rank = S::rank(dout, d, v, atol, par, intr)?;
            let full = a.min(d);
            if scores_rank == 0 || value_rank == 0 {
                ev.dead_head = true;
            } else if scores_rank < full && a < d {
                ev.low_rank_scores = true;
            }
            ev.heads.push(HeadEvidence { layer: idx, head: h, scores_rank, max_scores_rank: full, value_rank });
        }
    }
    Ok(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Attention;
    use crate::par::NoInterrupt;
    use num_rational::BigRational;

    #[test]
    fn rank_one_scores_are_a_boundary_point() {
        // d = 3, a = 2: Q rows (1,2,3), (2,4,6) make Q^T K = q^T (k_1 + 2 k_2) of rank 1 < 2.
        let att = Attention::new(3, 3, 2, 2, 1, false).unwrap();
        let net = Network::new(vec![Layer::Attention(att)]).unwrap();
        let theta: Vec<BigRational> = [1, 2, 3, 2, 4, 6, 1, 0, 1, 3, 0, 3, 1, 2, 0, 0, 1, 1, 2, 0, 1]
            .iter()
            .map(|&x: &i64| BigRational::from_integer(x.into()))
            .collect();
        let ev = attention_evidence(&net, &theta, 0.0, Par::Seq, &NoInterrupt).unwrap();
        let h = &ev.heads[0];
        assert_eq!((h.scores_rank, h.max_scores_rank, h.value_rank), (1, 2, 3));
        assert!(ev.low_rank_scores && !ev.dead_head);
        let f: Vec<f64> =
            [1, 2, 3, 2, 4, 6, 1, 0, 1, 3, 0, 3, 1, 2, 0, 0, 1, 1, 2, 0, 1].iter().map(|&x| x as f64).collect();
        assert_eq!(attention_evidence(&net, &f, 1e-9, Par::Seq, &NoInterrupt).unwrap(), ev);
    }
}
