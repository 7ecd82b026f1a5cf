/**
 * The paper's policy: state (512-d embedding) → 128 ReLU → P logits → softmax.
 * Words are picked without replacement: chosen words are masked out and the
 * remaining probabilities renormalised, and the loss uses the log-probability
 * of exactly that masked, renormalised distribution.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../math/random.js';
import { type EncodedTensor, decodeValues, encodeValues } from './tensorCodec.js';

export interface PolicyShape {
  /** Size of the state vector (512 for CLIP ViT-B/32). */
  inputSize: number;
  hiddenUnits: number;
  /** P: one action per prompt-space word. */
  actions: number;
}

export interface PolicyOptions extends PolicyShape {
  learningRate: number;
  /** Seeds the weight initialisation (Glorot uniform), so runs repeat exactly. */
  seed: number;
  /** Initial output bias, e.g. log prompt-space probabilities (length P). */
  outputBias?: readonly number[];
}

/** Everything needed to resume: weights and Adam's moments and step count. */
export interface PolicySnapshot {
  shape: PolicyShape;
  learningRate: number;
  weights: EncodedTensor[];
  optimizer: EncodedTensor[];
}

/** One decision, as REINFORCE needs to replay it in the update. */
export interface PolicyStep {
  state: Float32Array;
  /** true = still available; false = already chosen in this episode. */
  available: readonly boolean[];
  action: number;
}

export interface UpdateResult {
  loss: number;
  /** Mean entropy (nats) of the masked distributions over the batch. */
  entropy: number;
}

/** Large negative logit for masked actions: exp() underflows to exactly 0. */
const MASKED_LOGIT = -1e9;

let instances = 0;

function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (rng.next() * 2 - 1) * limit;
  return values;
}

export class PolicyNetwork {
  readonly shape: PolicyShape;
  readonly learningRate: number;
  /** [inputSize, hidden], [hidden], [hidden, actions], [actions] — order matters for Adam's state. */
  private readonly variables: tf.Variable[];
  private readonly optimizer: tf.AdamOptimizer;

  constructor(options: PolicyOptions) {
    const { inputSize, hiddenUnits, actions } = options;
    this.shape = { inputSize, hiddenUnits, actions };
    this.learningRate = options.learningRate;
    const rng = new Rng(options.seed);
    const id = `policy${instances++}`;
    const bias = new Float32Array(actions);
    if (options.outputBias) {
      if (options.outputBias.length !== actions) throw new Error(`outputBias has ${options.outputBias.length} values for ${actions} actions`);
      bias.set(options.outputBias);
    }
    this.variables = [
      tf.variable(tf.tensor2d(glorotUniform(rng, inputSize, hiddenUnits), [inputSize, hiddenUnits]), true, `${id}/w1`),
      tf.variable(tf.zeros([hiddenUnits]), true, `${id}/b1`),
      tf.variable(tf.tensor2d(glorotUniform(rng, hiddenUnits, actions), [hiddenUnits, actions]), true, `${id}/w2`),
      tf.variable(tf.tensor1d(bias), true, `${id}/b2`),
    ];
    this.optimizer = tf.train.adam(options.learningRate);
  }

  /** Masked log-probabilities, [batch, actions]. Masked entries are ≈ −1e9 (probability exactly 0). */
  private maskedLogProbs(states: tf.Tensor2D, available: tf.Tensor2D): tf.Tensor2D {
    const [w1, b1, w2, b2] = this.variables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const hidden = tf.relu(tf.add(tf.matMul(states, w1), b1));
    const logits = tf.add(tf.matMul(hidden, w2), b2) as tf.Tensor2D;
    const masked = tf.where(tf.cast(available, 'bool'), logits, tf.fill(logits.shape, MASKED_LOGIT)) as tf.Tensor2D;
    return tf.logSoftmax(masked) as tf.Tensor2D;
  }

  private checkState(state: Float32Array, available: readonly boolean[]): void {
    if (state.length !== this.shape.inputSize) throw new Error(`state has ${state.length} values, policy expects ${this.shape.inputSize}`);
    if (available.length !== this.shape.actions) throw new Error(`mask has ${available.length} entries, policy has ${this.shape.actions} actions`);
    if (!available.some(Boolean)) throw new Error('every action is masked: nothing left to pick');
  }

  /** π(· | state) over the available actions; masked actions get exactly 0. */
  probabilities(state: Float32Array, available: readonly boolean[]): Float32Array {
    this.checkState(state, available);
    return tf.tidy(() => {
      const logProbs = this.maskedLogProbs(tf.tensor2d(state, [1, state.length]), tf.tensor2d([available.map(Number)]));
      const probs = tf.exp(logProbs).dataSync() as Float32Array;
      // exp(-1e9 - max) is already 0; make it explicit for readers of the output.
      return Float32Array.from(probs, (p, i) => (available[i] ? p : 0));
    });
  }

  /** Draws an action from π(· | state) with the caller's RNG (deterministic given its state). */
  sample(state: Float32Array, available: readonly boolean[], rng: Rng): number {
    return rng.weightedIndex(this.probabilities(state, available));
  }

  /** The most probable available action (greedy decoding). */
  greedy(state: Float32Array, available: readonly boolean[]): number {
    const probs = this.probabilities(state, available);
    let best = -1;
    for (let i = 0; i < probs.length; i++) if (available[i] && (best < 0 || (probs[i] as number) > (probs[best] as number))) best = i;
    return best;
  }

  /**
   * One REINFORCE step: minimise −mean(log π(a|s)·advantage) − β·mean(entropy).
   * `advantages[i]` belongs to `steps[i]`.
   */
  update(steps: readonly PolicyStep[], advantages: readonly number[], entropyBonus: number): UpdateResult {
    if (steps.length === 0) return { loss: 0, entropy: 0 };
    if (steps.length !== advantages.length) throw new Error(`${steps.length} steps but ${advantages.length} advantages`);
    const n = steps.length;
    const { inputSize, actions } = this.shape;
    const stateData = new Float32Array(n * inputSize);
    const maskData = new Float32Array(n * actions);
    const actionData = new Int32Array(n);
    steps.forEach((step, i) => {
      this.checkState(step.state, step.available);
      stateData.set(step.state, i * inputSize);
      step.available.forEach((a, j) => {
        maskData[i * actions + j] = a ? 1 : 0;
      });
      actionData[i] = step.action;
    });
    let entropyValue = 0;
    const lossValue = tf.tidy(() => {
      const states = tf.tensor2d(stateData, [n, inputSize]); // [n, inputSize]
      const available = tf.tensor2d(maskData, [n, actions]); // [n, P]
      const chosen = tf.oneHot(tf.tensor1d(actionData, 'int32'), actions); // [n, P]
      const adv = tf.tensor1d(Float32Array.from(advantages)); // [n]
      const { value, grads } = tf.variableGrads(() => {
        const logProbs = this.maskedLogProbs(states, available); // [n, P]
        const chosenLogProb = tf.sum(tf.mul(logProbs, chosen), 1); // [n]
        const pgLoss = tf.neg(tf.mean(tf.mul(chosenLogProb, adv)));
        // Entropy over available actions only: masked p is 0, so 0·log p contributes nothing.
        const probs = tf.mul(tf.exp(logProbs), available);
        const entropy = tf.mean(tf.neg(tf.sum(tf.mul(probs, tf.mul(logProbs, available)), 1)));
        entropyValue = entropy.dataSync()[0] as number;
        return tf.sub(pgLoss, tf.mul(entropyBonus, entropy)) as tf.Scalar;
      }, this.variables);
      this.optimizer.applyGradients(this.variables.map((v) => ({ name: v.name, tensor: grads[v.name] as tf.Tensor })));
      return value.dataSync()[0] as number;
    });
    return { loss: lossValue, entropy: entropyValue };
  }

  async snapshot(): Promise<PolicySnapshot> {
    const weights = this.variables.map((v, i) => ({
      name: `layer${i}`,
      shape: v.shape,
      dtype: 'float32' as const,
      data: encodeValues(v.dataSync() as Float32Array),
    }));
    const optimizer: EncodedTensor[] = [];
    // Adam creates its moments lazily on the first update; before that it has only its step count.
    for (const { name, tensor } of await this.optimizer.getWeights()) {
      const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
      const values = dtype === 'int32' ? Int32Array.from(await tensor.data()) : Float32Array.from(await tensor.data());
      optimizer.push({ name, shape: tensor.shape, dtype, data: encodeValues(values) });
    }
    return { shape: { ...this.shape }, learningRate: this.learningRate, weights, optimizer };
  }

  /** A policy exactly as it was when `snapshot` was taken (weights and optimizer state). */
  static async fromSnapshot(snapshot: PolicySnapshot): Promise<PolicyNetwork> {
    const policy = new PolicyNetwork({ ...snapshot.shape, learningRate: snapshot.learningRate, seed: 0 });
    snapshot.weights.forEach((encoded, i) => {
      const variable = policy.variables[i];
      if (!variable || variable.shape.join() !== encoded.shape.join()) throw new Error(`checkpoint weight ${encoded.name} does not fit this policy`);
      variable.assign(tf.tensor(decodeValues(encoded), encoded.shape));
    });
    if (snapshot.optimizer.length > 1) {
      await policy.optimizer.setWeights(
        snapshot.optimizer.map((encoded) => ({ name: encoded.name, tensor: tf.tensor(decodeValues(encoded), encoded.shape, encoded.dtype) })),
      );
      policy.restoreBiasCorrection();
    }
    return policy;
  }

  /**
   * Adam's bias correction uses β₁ᵗ and β₂ᵗ. Training keeps them as a running
   * product (accBeta ← accBeta·β after each step), but tfjs's `setWeights`
   * recomputes them with pow(β, t + 1), which in float32 is one ulp away for
   * some t (β₂ = 0.999 at t = 2 and 5): a resumed run would drift from the
   * uninterrupted one. Recompute them the way training does.
   */
  private restoreBiasCorrection(): void {
    // Internal fields of tfjs-core's AdamOptimizer, not part of its typed surface.
    const adam = this.optimizer as unknown as { beta1: number; beta2: number; iterations_: number; accBeta1: tf.Variable; accBeta2: tf.Variable };
    tf.tidy(() => {
      let accBeta1: tf.Tensor = tf.scalar(adam.beta1);
      let accBeta2: tf.Tensor = tf.scalar(adam.beta2);
      for (let step = 0; step < adam.iterations_; step++) {
        accBeta1 = tf.mul(accBeta1, adam.beta1);
        accBeta2 = tf.mul(accBeta2, adam.beta2);
      }
      adam.accBeta1.assign(accBeta1);
      adam.accBeta2.assign(accBeta2);
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.optimizer.dispose();
  }
}
