//! An exponential moving average of the trainable weights (`train.ema`): after every optimizer
//! step `avg = decay * avg + (1 - decay) * w`. Validation and the final weights use the
//! average; training goes on from the live weights. Its tensors are saved in the checkpoint
//! (`ema.<var>`), so a resumed run continues exactly where it stopped.

use std::collections::HashMap;

use tch::{Tensor, nn};

use super::adamw::sorted_vars;

/// The averaged copy of every trainable variable, in VarStore name order.
pub struct Ema {
    decay: f64,
    names: Vec<String>,
    avg: Vec<Tensor>,
}

impl Ema {
    /// An average starting at the weights of `vs` now; `None` when `decay` is 0 (off).
    pub fn new(vs: &nn::VarStore, decay: f64) -> Option<Ema> {
        if decay == 0.0 {
            return None;
        }
        let vars = sorted_vars(vs);
        Some(Ema {
            decay,
            avg: tch::no_grad(|| vars.iter().map(|(_, t)| t.detach().copy()).collect()),
            names: vars.into_iter().map(|(n, _)| n).collect(),
        })
    }

    /// Moves the average towards the weights of `vs` (after an optimizer step).
    /// One operator for every variable (`_foreach_lerp_`: one launch on CUDA, where a
    /// training step bound by the host paid one per variable), the same arithmetic as a
    /// `lerp_` each.
    pub fn update(&mut self, vs: &nn::VarStore) -> crate::Result<()> {
        let vars: Vec<Tensor> = sorted_vars(vs).into_iter().map(|(_, t)| t).collect();
        crate::nn::shim::foreach_lerp(&self.avg, &vars, 1.0 - self.decay)
    }

    /// Exchanges the weights of `vs` and the average: call it twice around anything that
    /// should see the average (validation), once before saving the final weights.
    pub fn swap(&mut self, vs: &nn::VarStore) {
        tch::no_grad(|| {
            for (a, (_, mut t)) in self.avg.iter_mut().zip(sorted_vars(vs)) {
                let live = t.detach().copy();
                t.copy_(a);
                a.copy_(&live);
            }
        });
    }

    /// Tensors to save, named `ema.<var>`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        self.names
            .iter()
            .zip(&self.avg)
            .map(|(n, a)| (format!("ema.{n}"), a.shallow_clone()))
            .collect()
    }

    /// Restores the state saved by [`Ema::state`]; false when a tensor is missing.
    pub fn restore(&mut self, saved: &HashMap<String, Tensor>) -> bool {
        for (n, a) in self.names.iter().zip(self.avg.iter_mut()) {
            match saved.get(&format!("ema.{n}")) {
                Some(s) => tch::no_grad(|| a.copy_(s)),
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn store() -> nn::VarStore {
        let vs = nn::VarStore::new(Device::Cpu);
        let _ = vs.root().var("b", &[3], nn::Init::Const(1.0));
        let _ = vs.root().var("a", &[2, 2], nn::Init::Const(2.0));
        vs
    }

    fn value(vs: &nn::VarStore, name: &str) -> Vec<f32> {
        let t = vs.variables()[name].flatten(0, -1);
        Vec::<f32>::try_from(&t).unwrap()
    }

    fn set(vs: &nn::VarStore, v: f64) {
        tch::no_grad(|| {
            for (_, mut t) in vs.variables() {
                let _ = t.fill_(v);
            }
        });
    }

    /// The one-operator update is a lerp_ per variable, to the bit.
    #[test]
    fn updates_like_a_lerp_per_variable() {
        let vs = store();
        let mut ema = Ema::new(&vs, 0.93).unwrap();
        let mut want: Vec<Tensor> = ema.avg.iter().map(|a| a.copy()).collect();
        for step in 1..4 {
            tch::no_grad(|| {
                for (_, mut t) in vs.variables() {
                    t.copy_(&(t.ones_like() * 0.37 * step as f64).sin());
                }
            });
            ema.update(&vs).unwrap();
            for (w, (_, t)) in want.iter_mut().zip(sorted_vars(&vs)) {
                let _ = w.lerp_(&t, 1.0 - 0.93);
            }
        }
        for (a, w) in ema.avg.iter().zip(&want) {
            assert!(a.equal(w));
        }
    }

    #[test]
    fn off_at_zero() {
        assert!(Ema::new(&store(), 0.0).is_none());
    }

    #[test]
    fn averages_like_the_formula_and_swaps_back() {
        let vs = store();
        let mut ema = Ema::new(&vs, 0.5).unwrap();
        // a: 2 -> avg 2; weights 4 -> avg 3; weights 8 -> avg 5.5
        set(&vs, 4.0);
        ema.update(&vs).unwrap();
        set(&vs, 8.0);
        ema.update(&vs).unwrap();
        assert_eq!(value(&vs, "a"), vec![8.0; 4]);
        ema.swap(&vs);
        assert_eq!(value(&vs, "a"), vec![5.5; 4]);
        // b: 1 -> 2.5 -> 5.25
        assert_eq!(value(&vs, "b"), vec![5.25; 3]);
        ema.swap(&vs);
        assert_eq!(value(&vs, "a"), vec![8.0; 4]);
    }

    #[test]
    fn state_round_trips() {
        let vs = store();
        let mut ema = Ema::new(&vs, 0.9).unwrap();
        set(&vs, 3.0);
        ema.update(&vs).unwrap();
        let saved: HashMap<String, Tensor> = ema.state().into_iter().collect();
        assert_eq!(
            saved
                .keys()
                .map(String::as_str)
                .collect::<std::collections::BTreeSet<_>>(),
            ["ema.a", "ema.b"].into()
        );
        let mut other = Ema::new(&store(), 0.9).unwrap();
        assert!(other.restore(&saved));
        other.swap(&vs);
        // 0.9 * 2 + 0.1 * 3
        let a = value(&vs, "a");
        assert!(a.iter().all(|&x| (x - 2.1).abs() < 1e-6), "{a:?}");
        assert!(!other.restore(&HashMap::new()));
    }
}
