/**
 * SCIM bearer tokens: `scim_<prefix>_<secret>`, 256 bits of randomness. Only the
 * SHA-256 hash and the prefix are stored (`scim_tokens`); a presented token is compared
 * in constant time with the hash of the directory named in the URL.
 */
import { randomBytes } from 'node:crypto';
import { hashMatches, hashToken } from './tokens.js';

export interface IssuedScimToken {
  /** The whole bearer value, shown once. */
  token: string;
  prefix: string;
  hash: string;
}

export function issueScimToken(): IssuedScimToken {
  const prefix = randomBytes(6).toString('hex');
  const token = `scim_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashToken(token) };
}

/** A hash that matches no token: compared against when the directory is unknown, so timing says nothing. */
const DECOY_HASH = hashToken(`scim_decoy_${randomBytes(32).toString('base64url')}`);

/** Constant-time check of a presented token against a stored hash (or the decoy when there is none). */
export function scimTokenMatches(presented: string, storedHash: string | null): boolean {
  const ok = hashMatches(presented, storedHash ?? DECOY_HASH);
  return ok && storedHash !== null;
}
