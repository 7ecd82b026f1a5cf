/**
 * Picks the fastest TensorFlow.js backend available on this machine:
 * `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` when the user has one
 * installed (optional, never required: their install downloads libtensorflow),
 * else WebAssembly (about 3× the pure-JS backend here), else pure JS.
 */
import * as tf from '@tensorflow/tfjs';

export type TensorflowBackend = 'tensorflow' | 'wasm' | 'cpu';

let ready: Promise<TensorflowBackend> | undefined;

/** Optional native bindings, tried in this order; absent packages are skipped silently. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function tryNative(): Promise<boolean> {
  for (const name of NATIVE_PACKAGES) {
    try {
      // A variable specifier keeps bundlers and tsc from requiring the package.
      await import(name);
      if (await tf.setBackend('tensorflow')) return true;
    } catch {
      // Not installed (or unusable on this machine): fall through to the next.
    }
  }
  return false;
}

async function tryWasm(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

async function select(preferred: TensorflowBackend | undefined): Promise<TensorflowBackend> {
  if (preferred === 'cpu') {
    await tf.setBackend('cpu');
  } else if (preferred === 'wasm') {
    if (!(await tryWasm())) await tf.setBackend('cpu');
  } else if (!(await tryNative()) && !(await tryWasm())) {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend() as TensorflowBackend;
}

/**
 * Initialises TensorFlow.js once per process and returns the backend in use.
 * `IMAGEPROMPT_TF_BACKEND` (tensorflow | wasm | cpu) overrides the choice.
 */
export function initTensorflow(preferred?: TensorflowBackend): Promise<TensorflowBackend> {
  if (!ready) {
    const fromEnv = process.env.IMAGEPROMPT_TF_BACKEND;
    const choice = preferred ?? (fromEnv === 'cpu' || fromEnv === 'wasm' || fromEnv === 'tensorflow' ? fromEnv : undefined);
    ready = select(choice);
  }
  return ready;
}
