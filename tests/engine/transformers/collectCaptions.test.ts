import { describe, expect, it } from 'vitest';
import { collectCaptions } from '../../../src/engine/providers/transformers/collectCaptions.js';

/** Draws from a fixed list, recording how many draws were made. */
function drawsFrom(captions: readonly string[]) {
  const drawn: number[] = [];
  const draw = async (index: number) => {
    drawn.push(index);
    return captions[index % captions.length] ?? '';
  };
  return { draw, drawn };
}

describe('collectCaptions', () => {
  it('skips duplicates (ignoring case and spacing) and empty captions, and stops at n', async () => {
    const { draw, drawn } = drawsFrom(['a red square', 'A  red square ', '', 'a big red circle', 'a red shape', 'unused']);
    expect(await collectCaptions(3, 10, draw)).toEqual(['a red square', 'a big red circle', 'a red shape']);
    expect(drawn).toEqual([0, 1, 2, 3, 4]);
  });

  it('repeats the distinct captions in order after maxDraws', async () => {
    const { draw, drawn } = drawsFrom(['one', 'two', 'one']);
    expect(await collectCaptions(5, 4, draw)).toEqual(['one', 'two', 'one', 'two', 'one']);
    expect(drawn).toHaveLength(4);
  });

  it('returns [] when every draw was empty', async () => {
    expect(await collectCaptions(2, 3, drawsFrom(['', '  ']).draw)).toEqual([]);
  });

  it('stops on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collectCaptions(2, 3, drawsFrom(['x']).draw, controller.signal)).rejects.toThrow(/abort/i);
  });
});
