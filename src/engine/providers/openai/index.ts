export { OPENAI_DEFAULT_BASE_URL, OPENAI_KEY_ENV, OPENAI_PROVIDER, OPENAI_SAFETY_MESSAGE, type OpenAIConnection } from './client.js';
export { OPENAI_DEFAULT_IMAGE_MODEL, OpenAIGenerator, type OpenAIGeneratorOptions } from './generator.js';
export { nearestOpenAISize, OPENAI_IMAGE_SIZES, OPENAI_PROMPT_LIMITS, type OpenAIImageSize } from './sizes.js';
export { CAPTION_INSTRUCTION, OPENAI_DEFAULT_CAPTION_MODEL, OpenAIVisionCaptioner, type OpenAIVisionCaptionerOptions } from './visionCaptioner.js';
