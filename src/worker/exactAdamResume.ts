/**
 * Makes a resumed run's Adam steps bit-identical to an uninterrupted run's.
 *
 * Adam's bias correction uses β₁ᵗ and β₂ᵗ. While training, TensorFlow.js keeps
 * them as a running product (`accBeta ← accBeta·β` after every step); but
 * `AdamOptimizer.setWeights`, which `PolicyNetwork.fromSnapshot` calls on
 * resume, recomputes them with `pow(β, t + 1)`. In float32 the two differ by
 * one ulp for some t (β₂ = 0.999 at t = 2 and 5, for example), so a run resumed
 * at such an iteration drifts from the uninterrupted run and ends with
 * different weights. Measured with the wasm backend; see tests/worker/.
 *
 * The fix recomputes both powers with the same operations training uses.
 * It belongs in `src/engine/policy/policyNetwork.ts` (fromSnapshot); it lives
 * here, as a process-wide patch installed by the worker, until it moves there.
 */
import * as tf from '@tensorflow/tfjs';

/** What `setWeights` touches, by the names tfjs-core uses (not part of its typed surface). */
interface AdamInternals {
  beta1: number;
  beta2: number;
  iterations_: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

let installed = false;

export function installExactAdamResume(): void {
  if (installed) return;
  installed = true;
  const prototype = tf.AdamOptimizer.prototype;
  const setWeights = prototype.setWeights;
  prototype.setWeights = async function exactSetWeights(this: tf.AdamOptimizer, weightValues) {
    await setWeights.call(this, weightValues);
    const adam = this as unknown as AdamInternals;
    tf.tidy(() => {
      // accBeta starts at β and is multiplied by β after each of the `iterations_` steps.
      let accBeta1: tf.Tensor = tf.scalar(adam.beta1);
      let accBeta2: tf.Tensor = tf.scalar(adam.beta2);
      for (let step = 0; step < adam.iterations_; step++) {
        accBeta1 = tf.mul(accBeta1, adam.beta1);
        accBeta2 = tf.mul(accBeta2, adam.beta2);
      }
      adam.accBeta1.assign(accBeta1);
      adam.accBeta2.assign(accBeta2);
    });
  };
}
