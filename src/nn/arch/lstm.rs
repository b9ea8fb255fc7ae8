//! The LSTM: causal convolutions, then an LSTM over overlapping blocks, which bounds its
//! field.

use tch::Tensor;
use tch::nn::{self, Module, RNN};

use super::{ContextNet, Frame, HeadSpec, bad};
use crate::Result;
use crate::nn::config::LstmConfig;
use crate::nn::layers::{CausalConv, CausalStream, Join};

/// Convolutions, then an LSTM run over overlapping blocks: blocks of `2b` positions start
/// every `b` positions and each keeps its second half, so a position's LSTM state has seen
/// between `b` and `2b - 1` earlier positions. That bounds the field.
#[derive(Debug)]
struct LstmStream {
    convs: Vec<CausalConv>,
    lstm: nn::LSTM,
    block: i64,
    hidden: i64,
}

// It keeps `length_multiple`'s default of 1: a row lengthened at its end by other than a
// multiple of the block would move the reverse stream's blocks, and so the predictions
// (`NeuralModel::row_width` and the packing rely on where the row ends).
impl CausalStream for LstmStream {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut f = x.shallow_clone();
        for conv in &self.convs {
            f = conv.forward(&f).relu();
        }
        let (n, c, l) = f.size3().unwrap_or_default();
        let b = self.block;
        let nb = (l + b - 1) / b;
        let padded = f.constant_pad_nd([b, nb * b - l]);
        let windows = padded.unfold(2, 2 * b, b); // N x C x nb x 2b
        let seqs = windows.permute([0, 2, 3, 1]).reshape([n * nb, 2 * b, c]);
        let (out, _) = self.lstm.seq(&seqs);
        out.narrow(1, b, b)
            .reshape([n, nb * b, self.hidden])
            .narrow(1, 0, l)
            .permute([0, 2, 1])
    }
}

/// The LSTM `c` describes, its settings checked; `head`: the prior among its inputs, and its outputs.
pub(super) fn build(vs: &nn::Path, c: &LstmConfig, head: HeadSpec) -> Result<Box<dyn ContextNet>> {
    let reach: usize = c.kernel_sizes.iter().map(|k| k.saturating_sub(1)).sum();
    if c.kernel_sizes.contains(&0) || c.hidden == 0 || c.conv_channels == 0 {
        return Err(bad(
            "lstm: kernel sizes, conv_channels and hidden must be at least 1".into(),
        ));
    }
    if c.flank < reach + 2 {
        return Err(bad(format!(
            "lstm: flank {} is too small for convolutions reaching {reach} bases",
            c.flank
        )));
    }
    // A position sees at least block + reach + 1 = flank bases, at most 2 block + reach.
    let block = c.flank - reach - 1;
    let frame = Frame {
        width: c.hidden,
        join: Join::Concat,
        dense: &c.dense,
        field: 2 * block + reach,
        min_field: c.flank,
    };
    Ok(frame.build(vs, head, |p| LstmStream::new(p, c, block)))
}

impl LstmStream {
    /// One stream of the LSTM `c` under `p`: its causal convolutions, then the LSTM over
    /// blocks of `block` positions.
    fn new(p: nn::Path, c: &LstmConfig, block: usize) -> LstmStream {
        let mut convs = Vec::new();
        let mut c_in = 4;
        for (i, &k) in c.kernel_sizes.iter().enumerate() {
            let conv = CausalConv::new(&p / format!("conv{i}"), c_in, c.conv_channels, k, 1);
            convs.push(conv);
            c_in = c.conv_channels;
        }
        let cfg = nn::RNNConfig {
            batch_first: true,
            ..Default::default()
        };
        LstmStream {
            convs,
            lstm: nn::lstm(&p / "lstm", c_in as i64, c.hidden as i64, cfg),
            block: block as i64,
            hidden: c.hidden as i64,
        }
    }
}
