export { ReplicateBlipCaptioner, type ReplicateBlipCaptionerOptions, REPLICATE_BLIP_MODELS, type ReplicateBlipModel } from './blipCaptioner.js';
export { REPLICATE_DEFAULT_BASE_URL, REPLICATE_PROVIDER, REPLICATE_TOKEN_ENV, type ReplicateConnection } from './client.js';
export { FLUX_ASPECT_RATIOS, fluxMegapixels, nearestFluxAspectRatio } from './fluxInput.js';
export { REPLICATE_DEFAULT_IMAGE_MODEL, ReplicateGenerator, type ReplicateGeneratorOptions } from './generator.js';
export { REPLICATE_SAFETY_MESSAGE, type ReplicateModelRef } from './predictions.js';
