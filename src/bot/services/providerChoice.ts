/** A guild's generator setting as the engine threads take it. */
import type { GuildSettings } from '../../db/schema.js';
import type { GeneratorChoice } from '../../engine/providers/stack.js';
import type { ProviderConfig } from '../engine/protocol.js';
import { UserFacingError } from '../interactions/errors.js';

/** Kept here (not imported from `providers/stack.ts`) so the main thread never loads the providers; the type check keeps them equal. */
export const GENERATORS = ['shapes', 'replicate', 'openai'] as const satisfies readonly GeneratorChoice[];
type SameChoices = [GeneratorChoice] extends [(typeof GENERATORS)[number]] ? true : never;
const sameChoices: SameChoices = true;
void sameChoices;

export function isGeneratorChoice(value: string): value is GeneratorChoice {
  return (GENERATORS as readonly string[]).includes(value);
}

/** Images from these cost nothing, so the spending cap does not apply. */
export function isFreeGenerator(generator: string): boolean {
  return generator === 'shapes';
}

export function providerConfigOf(settings: Pick<GuildSettings, 'generator' | 'model'>): ProviderConfig {
  if (!isGeneratorChoice(settings.generator)) {
    throw new UserFacingError(`This server's image generator "${settings.generator}" is unknown; an administrator can choose one with /settings set.`);
  }
  return settings.generator === 'shapes' ? { generator: 'shapes' } : { generator: settings.generator, model: settings.model };
}
