/**
 * A tenant's slug: its name in lower case without accents, each run of characters other
 * than ASCII letters and digits turned into one hyphen, with no hyphen at either end
 * ("Société Générale (EU)" → "societe-generale-eu"). Derived, never stored, so renaming a
 * tenant changes it. A name with no ASCII letter or digit has no slug (null).
 */
export function slugOf(name: string): string | null {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? null : slug;
}
