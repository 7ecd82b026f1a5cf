/** `imageprompt providers`: every provider, whether it is configured here, and its price. */
import { listProviders } from '../../engine/providers/registry.js';
import type { CliIo } from '../optimize/command.js';
import { formatTable } from '../optimize/table.js';

export async function runProvidersCommand(argv: string[], io: CliIo): Promise<number> {
  const providers = listProviders(io.env);
  if (argv.includes('--json')) {
    io.stdout.write(`${JSON.stringify(providers, null, 2)}\n`);
    return 0;
  }
  const rows = providers.map((p) => [
    p.name,
    p.role,
    p.configured ? 'yes' : `no: set ${p.envVar}`,
    p.defaultModel ?? '—',
    p.priceUsd === 0 ? 'free' : `$${p.priceUsd.toFixed(4)}/${p.pricedPer}`,
    p.description,
  ]);
  io.stdout.write(`${formatTable(['provider', 'role', 'configured', 'default model', 'price', 'notes'], rows)}\n`);
  return 0;
}
