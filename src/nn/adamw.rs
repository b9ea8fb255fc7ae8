//! AdamW (Loshchilov & Hutter) written over tch tensors so its state can be saved in a
//! checkpoint and a resumed run continues exactly where it stopped.

use tch::{Tensor, nn};

/// Moment estimates for every trainable variable, in VarStore name order.
pub struct AdamW {
    names: Vec<String>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    pub step: i64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl AdamW {
    pub fn new(vs: &nn::VarStore, weight_decay: f64) -> AdamW {
        let vars = sorted_vars(vs);
        AdamW {
            m: vars.iter().map(|(_, t)| t.zeros_like()).collect(),
            v: vars.iter().map(|(_, t)| t.zeros_like()).collect(),
            names: vars.into_iter().map(|(n, _)| n).collect(),
            step: 0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
        }
    }

    /// One update with learning rate `lr` from the gradients in `vs`; clears them.
    pub fn step(&mut self, vs: &nn::VarStore, lr: f64, clip: f64) {
        let vars = sorted_vars(vs);
        if clip > 0.0 {
            let total: f64 = vars
                .iter()
                .map(|(_, t)| {
                    let g = t.grad();
                    if g.defined() {
                        g.square().sum(tch::Kind::Double).double_value(&[])
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
                .sqrt();
            if total > clip {
                tch::no_grad(|| {
                    for (_, t) in &vars {
                        let mut g = t.grad();
                        if g.defined() {
                            let _ = g.g_mul_scalar_(clip / (total + 1e-6));
                        }
                    }
                });
            }
        }
        self.step += 1;
        let bc1 = 1.0 - self.beta1.powi(self.step as i32);
        let bc2 = 1.0 - self.beta2.powi(self.step as i32);
        tch::no_grad(|| {
            for (i, (_, t)) in vars.iter().enumerate() {
                let mut g = t.grad();
                if !g.defined() {
                    continue;
                }
                let (m, v) = (&mut self.m[i], &mut self.v[i]);
                let _ = m
                    .g_mul_scalar_(self.beta1)
                    .g_add_(&(&g * (1.0 - self.beta1)));
                let _ = v
                    .g_mul_scalar_(self.beta2)
                    .g_add_(&(g.square() * (1.0 - self.beta2)));
                let update = (&*m / bc1) / ((&*v / bc2).sqrt() + self.eps);
                let mut p = t.shallow_clone();
                let _ = p.g_mul_scalar_(1.0 - lr * self.weight_decay);
                let _ = p.g_sub_(&(update * lr));
                let _ = g.zero_();
            }
        });
    }

    /// State tensors to save, named `adam.m.<var>` and `adam.v.<var>`, plus the step.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.names.len() + 1);
        for (i, n) in self.names.iter().enumerate() {
            out.push((format!("adam.m.{n}"), self.m[i].shallow_clone()));
            out.push((format!("adam.v.{n}"), self.v[i].shallow_clone()));
        }
        out.push(("adam.step".into(), Tensor::from_slice(&[self.step])));
        out
    }

    /// Restores the state saved by [`AdamW::state`]; false when a tensor is missing.
    pub fn restore(&mut self, saved: &std::collections::HashMap<String, Tensor>) -> bool {
        for (i, n) in self.names.iter().enumerate() {
            match (
                saved.get(&format!("adam.m.{n}")),
                saved.get(&format!("adam.v.{n}")),
            ) {
                (Some(m), Some(v)) => {
                    tch::no_grad(|| {
                        self.m[i].copy_(m);
                        self.v[i].copy_(v);
                    });
                }
                _ => return false,
            }
        }
        match saved.get("adam.step") {
            Some(s) => self.step = s.int64_value(&[0]),
            None => return false,
        }
        true
    }
}

/// Trainable variables sorted by name, so the order is stable across runs.
pub(super) fn sorted_vars(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let mut vars: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(_, t)| t.requires_grad())
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}
