import { describe, expect, it } from 'vitest';
import { MissingKeyError } from '../../../src/engine/providers/errors.js';
import { SpendingGuard } from '../../../src/engine/providers/http/spendingGuard.js';
import { createCaptioner, createGenerator, listProviders } from '../../../src/engine/providers/registry.js';

describe('provider registry', () => {
  it('lists every provider with the variable it needs and whether it is set', () => {
    const providers = listProviders({ REPLICATE_API_TOKEN: 'r8_x' });
    const byName = Object.fromEntries(providers.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['openai', 'openai-vision', 'replicate', 'replicate-blip', 'shapes', 'transformers-clip']);
    expect(byName.shapes).toMatchObject({ role: 'offline-stack', envVar: null, configured: true, priceUsd: 0 });
    expect(byName.replicate).toMatchObject({ envVar: 'REPLICATE_API_TOKEN', configured: true, priceUsd: 0.003, pricedPer: 'image' });
    expect(byName['replicate-blip']).toMatchObject({ envVar: 'REPLICATE_API_TOKEN', configured: true, pricedPer: 'call' });
    expect(byName.openai).toMatchObject({ envVar: 'OPENAI_API_KEY', configured: false, defaultModel: 'gpt-image-1', priceUsd: 0.011 });
    expect(byName['openai-vision']?.configured).toBe(false);
  });

  it('never reveals key values in the listing', () => {
    const listing = JSON.stringify(listProviders({ REPLICATE_API_TOKEN: 'r8_secretvalue', OPENAI_API_KEY: 'sk-secretvalue' }));
    expect(listing).not.toContain('secretvalue');
  });

  it('throws MissingKeyError naming the variable for each remote provider', () => {
    const cases = [
      [() => createGenerator('replicate', {}), 'REPLICATE_API_TOKEN'],
      [() => createGenerator('openai', { REPLICATE_API_TOKEN: 'r8_x' }), 'OPENAI_API_KEY'],
      [() => createCaptioner('replicate-blip', {}), 'REPLICATE_API_TOKEN'],
      [() => createCaptioner('openai-vision', {}), 'OPENAI_API_KEY'],
    ] as const;
    for (const [create, envVar] of cases) {
      const error = (() => {
        try {
          create();
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(MissingKeyError);
      expect((error as MissingKeyError).envVar).toBe(envVar);
      expect((error as Error).message).toContain(envVar);
    }
  });

  it('builds generators that describe themselves for the cache key', () => {
    const replicate = createGenerator('replicate', { REPLICATE_API_TOKEN: 'r8_x' });
    expect([replicate.id, replicate.modelId, replicate.takesSeed]).toEqual(['replicate', 'black-forest-labs/flux-schnell', true]);
    const fast = createGenerator('replicate', { REPLICATE_API_TOKEN: 'r8_x' }, { goFast: true });
    expect([fast.modelId, fast.takesSeed]).toEqual(['black-forest-labs/flux-schnell+go_fast', false]);
    const openai = createGenerator('openai', { OPENAI_API_KEY: 'sk-x' }, { model: 'dall-e-2', guard: new SpendingGuard({ maxImages: 1 }) });
    expect([openai.id, openai.modelId, openai.takesSeed, openai.pricePerImage(512, 512)]).toEqual(['openai', 'dall-e-2', false, 0.018]);
  });
});
