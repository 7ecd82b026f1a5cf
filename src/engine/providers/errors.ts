/**
 * Typed provider failures. Each carries a message a user can act on; none
 * ever contains a secret (providers must redact before constructing them).
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly provider: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

/** The provider refused the prompt on safety grounds. `userMessage` is safe to show players. */
export class SafetyRefusalError extends ProviderError {
  constructor(
    provider: string,
    readonly userMessage = 'The image model refused this prompt on safety grounds; try different words.',
    options?: { cause?: unknown },
  ) {
    super(`${provider} refused the prompt: ${userMessage}`, provider, false, options);
    this.name = 'SafetyRefusalError';
  }
}

/** Rate limited after every retry; `retryAfterMs` is the provider's own hint when it gave one. */
export class RateLimitError extends ProviderError {
  constructor(
    provider: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${provider} is rate limiting requests; try again ${retryAfterMs ? `in ${Math.ceil(retryAfterMs / 1000)} s` : 'later'}.`, provider, true, options);
    this.name = 'RateLimitError';
  }
}

/** A key is missing or rejected. Names the environment variable, never its value. */
export class MissingKeyError extends ProviderError {
  constructor(provider: string, readonly envVar: string, rejected = false) {
    super(
      rejected
        ? `${provider} rejected the API key in ${envVar}; check it and try again.`
        : `${provider} needs an API key: set ${envVar} in the environment.`,
      provider,
    );
    this.name = 'MissingKeyError';
  }
}

/** A run's spending guard stopped a call before it was made. */
export class BudgetExceededError extends Error {
  constructor(
    readonly limit: 'images' | 'cost',
    readonly used: number,
    readonly max: number,
  ) {
    super(
      limit === 'images'
        ? `Budget reached: ${used} of ${max} images generated.`
        : `Budget reached: $${used.toFixed(4)} of $${max.toFixed(2)} spent.`,
    );
    this.name = 'BudgetExceededError';
  }
}
