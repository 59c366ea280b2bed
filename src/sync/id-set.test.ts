import { describe, expect, it } from 'vitest';
import { IdSet } from './id-set.js';

describe('IdSet', () => {
  it('remembers exactly the ids added, across growth', () => {
    const set = new IdSet();
    for (let i = 0; i < 50_000; i++) set.add(`id-${i}`);
    set.add('id-7');
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(set.has(`id-${i}`)).toBe(true);
    for (let i = 50_000; i < 60_000; i++) expect(set.has(`id-${i}`)).toBe(false);
  });
});
