//! AdamW (Loshchilov & Hutter) over tch tensors, its state saved in a checkpoint so that a
//! resumed run continues exactly where it stopped. A step is one call into libtorch's fused
//! AdamW (src/nn/shim.cpp: the gradients clipped by their global norm on the device, one kernel
//! for every variable, nothing read back to the host); [`AdamW::step_per_tensor`] is the
//! earlier form, a loop of small operations per variable, kept as the reference the tests and
//! `examples/step_bench.rs` compare against.

use tch::{Kind, Tensor, nn};

use super::shim::{AdamWStep, adamw_step};

/// Moment estimates for every trainable variable, in VarStore name order.
pub struct AdamW {
    names: Vec<String>,
    /// The variables themselves (shallow copies: a checkpoint restores them in place).
    vars: Vec<Tensor>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    /// The step count as the fused kernel reads it: a float scalar per variable, on its device.
    steps: Vec<Tensor>,
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
            steps: vars
                .iter()
                .map(|(_, t)| Tensor::zeros([], (Kind::Float, t.device())))
                .collect(),
            names: vars.iter().map(|(n, _)| n.clone()).collect(),
            vars: vars.into_iter().map(|(_, t)| t).collect(),
            step: 0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
        }
    }

    /// One update with learning rate `lr` from the variables' gradients, first scaled down to
    /// a global norm of `clip` when above it (0: no clipping); lets them go on CUDA (the next
    /// backward hands its gradients over instead of adding them into zeroed ones), zeroes them
    /// on the CPU (where new ones would come from malloc each step). No value is read
    /// back from the device.
    pub fn step(&mut self, lr: f64, clip: f64) -> crate::Result<()> {
        self.step += 1;
        adamw_step(
            &self.vars,
            &self.m,
            &self.v,
            &self.steps,
            AdamWStep {
                lr,
                beta1: self.beta1,
                beta2: self.beta2,
                eps: self.eps,
                weight_decay: self.weight_decay,
                clip,
            },
        )
    }

    /// [`AdamW::step`] as a loop of operations per variable, with the global norm read back
    /// to the host (one synchronisation per variable on CUDA): the form before the fused step,
    /// kept as its reference.
    pub fn step_per_tensor(&mut self, vs: &nn::VarStore, lr: f64, clip: f64) {
        let vars = sorted_vars(vs);
        if clip > 0.0 {
            clip_per_tensor(&vars, clip);
        }
        self.set_step(self.step + 1);
        let bc1 = 1.0 - self.beta1.powi(self.step as i32);
        let bc2 = 1.0 - self.beta2.powi(self.step as i32);
        tch::no_grad(|| {
            for (i, (_, t)) in vars.iter().enumerate() {
                self.update_one(i, t, lr, (bc1, bc2));
            }
        });
    }

    /// [`AdamW::step_per_tensor`]'s update of the variable `i`, `t`, at rate `lr` with the
    /// bias corrections `bc1` and `bc2` (nothing without a gradient); zeroes the gradient.
    fn update_one(&mut self, i: usize, t: &Tensor, lr: f64, (bc1, bc2): (f64, f64)) {
        let mut g = t.grad();
        if !g.defined() {
            return;
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
        let Some(step) = saved.get("adam.step") else {
            return false;
        };
        self.set_step(step.int64_value(&[0]));
        true
    }

    /// Sets the step count, on the host and in the step tensors of the fused step.
    fn set_step(&mut self, step: i64) {
        self.step = step;
        tch::no_grad(|| {
            for s in &mut self.steps {
                let _ = s.fill_(step as f64);
            }
        });
    }
}

/// Scales the gradients of `vars` so that their global norm is at most `clip` (the
/// reference of the fused clipping, one tensor at a time).
fn clip_per_tensor(vars: &[(String, Tensor)], clip: f64) {
    let norm2 = |t: &Tensor| {
        let g = t.grad();
        if g.defined() {
            g.square().sum(tch::Kind::Double).double_value(&[])
        } else {
            0.0
        }
    };
    let total: f64 = vars.iter().map(|(_, t)| norm2(t)).sum::<f64>().sqrt();
    if total <= clip {
        return;
    }
    tch::no_grad(|| {
        for (_, t) in vars {
            let mut g = t.grad();
            if g.defined() {
                let _ = g.g_mul_scalar_(clip / (total + 1e-6));
            }
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    /// Two variables with fixed values (not from the global generator, which tests running
    /// beside this one draw from).
    fn store() -> nn::VarStore {
        let vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let values = |n: i64| (Tensor::arange(n, (Kind::Float, Device::Cpu)) * 0.37).sin();
        let _ = root.var_copy("a", &values(85).view([17, 5]));
        let _ = root.var_copy("b", &values(5));
        vs
    }

    /// A loss of every variable, different at each step.
    fn backward(vs: &nn::VarStore, step: usize) {
        let loss = sorted_vars(vs)
            .iter()
            .map(|(_, t)| (t * (step as f64 + 1.0)).sin().sum(Kind::Float))
            .fold(Tensor::zeros([], (Kind::Float, Device::Cpu)), |a, b| a + b);
        loss.backward();
    }

    /// The fused step and the per-tensor reference give the same weights and moments (within
    /// 1e-6) over several steps, with the clipping active, inactive and off, and both clear
    /// the gradients.
    #[test]
    fn the_fused_step_matches_the_per_tensor_reference() {
        for clip in [0.05, 1e9, 0.0] {
            let (fused_vs, reference_vs) = (store(), store());
            let mut fused = AdamW::new(&fused_vs, 0.1);
            let mut reference = AdamW::new(&reference_vs, 0.1);
            for step in 0..6 {
                backward(&fused_vs, step);
                backward(&reference_vs, step);
                fused.step(1e-2, clip).unwrap();
                reference.step_per_tensor(&reference_vs, 1e-2, clip);
            }
            assert_eq!(fused.step, reference.step);
            let (a, b) = (sorted_vars(&fused_vs), sorted_vars(&reference_vs));
            for ((name, x), (_, y)) in a.iter().zip(&b) {
                let d = (x - y).abs().max().double_value(&[]);
                assert!(d < 1e-6, "clip {clip}: {name} differs by {d}");
                // on the CPU both zero them (on CUDA the fused step lets them go)
                for (g, which) in [(x.grad(), "fused"), (y.grad(), "reference")] {
                    assert_eq!(
                        g.abs().max().double_value(&[]),
                        0.0,
                        "{name}: {which} grad kept"
                    );
                }
            }
            for ((n, x), (_, y)) in fused.state().iter().zip(reference.state()) {
                let d = (x.to_kind(Kind::Double) - y.to_kind(Kind::Double))
                    .abs()
                    .max()
                    .double_value(&[]);
                assert!(d < 1e-6, "clip {clip}: {n} differs by {d}");
            }
        }
    }

    /// A restored optimizer continues with the saved step count in the fused kernel too.
    #[test]
    fn restore_sets_the_step_count_the_fused_kernel_reads() {
        let (vs_a, vs_b) = (store(), store());
        let mut a = AdamW::new(&vs_a, 0.0);
        for step in 0..3 {
            backward(&vs_a, step);
            a.step(1e-2, 0.0).unwrap();
        }
        let saved: std::collections::HashMap<String, Tensor> = a.state().into_iter().collect();
        let mut b = AdamW::new(&vs_b, 0.0);
        tch::no_grad(|| {
            for ((_, mut y), (_, x)) in sorted_vars(&vs_b).into_iter().zip(sorted_vars(&vs_a)) {
                y.copy_(&x);
            }
        });
        assert!(b.restore(&saved));
        backward(&vs_a, 3);
        backward(&vs_b, 3);
        a.step(1e-2, 0.0).unwrap();
        b.step(1e-2, 0.0).unwrap();
        for ((n, x), (_, y)) in sorted_vars(&vs_a).iter().zip(sorted_vars(&vs_b)) {
            assert_eq!((x - y).abs().max().double_value(&[]), 0.0, "{n}");
        }
    }
}
