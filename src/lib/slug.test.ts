import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slugOf } from './slug.js';

describe('slugOf', () => {
  it('lower-cases, drops accents and joins words with one hyphen', () => {
    expect(slugOf('Acme Corp')).toBe('acme-corp');
    expect(slugOf('  Société Générale (EU)  ')).toBe('societe-generale-eu');
    expect(slugOf('R&D -- Lab 42')).toBe('r-d-lab-42');
    expect(slugOf('日本')).toBeNull();
    expect(slugOf('')).toBeNull();
  });

  it('is a fixed point: a slug is its own slug, and only hyphen-joined [a-z0-9] words', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (name) => {
        const slug = slugOf(name);
        if (slug === null) return;
        expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(slugOf(slug)).toBe(slug);
      }),
      { verbose: true },
    );
  });
});
