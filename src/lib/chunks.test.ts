import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunks } from './chunks.js';

describe('chunks', () => {
  it('gives back every item once, in order, in slices of at most size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 20 }), (items, size) => {
        const parts = chunks(items, size);
        expect(parts.flat()).toEqual(items);
        for (const part of parts) expect(part.length).toBeGreaterThan(0);
        for (const part of parts.slice(0, -1)) expect(part).toHaveLength(size);
        expect(parts.at(-1)?.length ?? 0).toBeLessThanOrEqual(size);
      }),
    );
  });
});
