//! Floating-point operations per scored position, counted from a model's config (multiply
//! and add count as two), for throughput projections. Elementwise work (activations,
//! norms, softmax) is left out: it is small beside the matrix products.

use super::config::{CnnConfig, LstmConfig, MlpConfig, ModelConfig, TransformerConfig};

/// Forward FLOPs per position of a chunk (both streams and the head).
pub fn forward_per_position(cfg: &ModelConfig) -> f64 {
    match cfg {
        ModelConfig::Mlp(c) => mlp(c),
        ModelConfig::Cnn(c) => cnn(c),
        ModelConfig::Lstm(c) => lstm(c),
        ModelConfig::Transformer(c) => transformer(c),
    }
}

fn head(c_in: usize, dense: &[usize]) -> f64 {
    let mut macs = 0;
    let mut c = c_in;
    for &h in dense.iter().chain(std::iter::once(&4)) {
        macs += c * h;
        c = h;
    }
    2.0 * macs as f64
}

fn mlp(c: &MlpConfig) -> f64 {
    let first = c.hidden.first().copied().unwrap_or(0);
    2.0 * 2.0 * (4 * c.flank * first) as f64 + head(first, c.hidden.get(1..).unwrap_or(&[]))
}

fn cnn(c: &CnnConfig) -> f64 {
    let stream: usize = c
        .kernel_sizes
        .iter()
        .enumerate()
        .map(|(i, k)| if i == 0 { 4 } else { c.channels } * c.channels * k)
        .sum();
    2.0 * 2.0 * stream as f64 + head(2 * c.channels, &c.dense)
}

fn lstm(c: &LstmConfig) -> f64 {
    let mut conv = 0;
    let mut c_in = 4;
    for k in &c.kernel_sizes {
        conv += c_in * c.conv_channels * k;
        c_in = c.conv_channels;
    }
    // Every position runs through the LSTM twice (overlapping blocks).
    let cell = 2 * 4 * c.hidden * (c_in + c.hidden);
    2.0 * 2.0 * (conv + cell) as f64 + head(2 * c.hidden, &c.dense)
}

fn transformer(c: &TransformerConfig) -> f64 {
    let window = (c.flank - 1).div_ceil(c.layers.max(1)) + 1;
    let layer = 4 * c.dim * c.dim + 2 * c.dim * c.ffn + 2 * c.dim * window;
    2.0 * 2.0 * (4 * c.dim + c.layers * layer) as f64 + head(2 * c.dim, &c.dense)
}
