import { describe, expect, it } from 'vitest';
import { compileShape, createShapeCache, pageClause, slotValue } from './scim-store.js';

describe('compiled shapes', () => {
  it('maps each bound parameter to its slot or keeps it as a constant', () => {
    expect(
      compileShape({ sql: 'select ?, ?, ?', parameters: [slotValue(1), 1, slotValue(0)] }),
    ).toEqual({ sql: 'select ?, ?, ?', parameters: [{ slot: 1 }, 1, { slot: 0 }] });
  });

  it('refuses a shape whose builder transformed a value (it could not be substituted)', () => {
    expect(compileShape({ sql: 'x like ?', parameters: [`%${slotValue(0)}%`] })).toBeNull();
  });

  it('keeps at most its size of shapes, the least recently used out first', () => {
    const cache = createShapeCache(2);
    let built = 0;
    const build = () => {
      built++;
      return { sql: 's', parameters: [] };
    };
    cache.get('a', build);
    cache.get('b', build);
    cache.get('a', build);
    cache.get('c', build);
    expect(built).toBe(3);
    cache.get('a', build);
    expect(built).toBe(3);
    cache.get('b', build);
    expect(built).toBe(4);
  });

  it('writes page bounds as integers only', () => {
    expect(pageClause(100, 0)).toBe(' limit 100 offset 0');
    expect(() => pageClause(1.5, 0)).toThrow();
    expect(() => pageClause(10, -1)).toThrow();
  });
});
