export { InputImageError, type InputImageProblem } from './errors.js';
export { DEFAULT_IMAGE_LIMITS, type ImageLimits, resolveImageLimits } from './limits.js';
export { type LoadTargetImageOptions, loadTargetImage, type TargetImage, type TargetImageFormat } from './loadTargetImage.js';
export { describeContent, imageSignature } from './sniff.js';
