//! The MLP: one dense layer over the `flank` bases on each side (each stream holds its half
//! of the first layer), summed, then the head's hidden layers.

use tch::Tensor;
use tch::nn::{self, Module};

use super::{ContextNet, Frame, HeadSpec, bad};
use crate::Result;
use crate::nn::config::MlpConfig;
use crate::nn::layers::{CausalConv, CausalStream, Join};

/// One linear map over the F bases before a position (its half of the first layer).
#[derive(Debug)]
struct MlpStream(CausalConv);

impl CausalStream for MlpStream {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.0.forward(x)
    }

    fn forward_nlc(&self, x: &Tensor, reverse: bool) -> Tensor {
        self.0.forward_nlc(x, reverse, true)
    }
}

/// The MLP `c` describes, its settings checked; `head`: the prior among its inputs, and its outputs.
pub(super) fn build(vs: &nn::Path, c: &MlpConfig, head: HeadSpec) -> Result<Box<dyn ContextNet>> {
    if c.flank == 0 || c.hidden.is_empty() {
        return Err(bad("mlp: flank and hidden must not be empty".into()));
    }
    let first = c.hidden[0];
    let make = |p: nn::Path| MlpStream(CausalConv::new(p / "flank", 4, first, c.flank, 1));
    let frame = Frame {
        width: first,
        join: Join::Sum,
        dense: &c.hidden[1..],
        field: c.flank,
        min_field: c.flank,
    };
    Ok(frame.build(vs, head, make))
}
