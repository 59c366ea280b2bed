/**
 * Text a remote server chose (an OAuth `error_description`, an API error message)
 * before it enters an error message: the API answer, the job, health, events, webhooks
 * and logs all show it. A destination is configurable, so the server may be hostile:
 * only one line of printable text, bounded, ever comes through.
 */

/** Longest remote description kept, in characters. */
export const REMOTE_TEXT_MAX = 200;

/** The first line, control and format characters dropped, whitespace collapsed, bounded. */
export function remoteText(text: string | undefined, max = REMOTE_TEXT_MAX): string {
  if (!text) return '';
  const line = text.split(/\r\n|\r|\n|\u2028|\u2029/, 1)[0] ?? '';
  const clean = line
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...clean];
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}

/** A provider error code (`invalid_client`, `E0000011`, `Authorization_RequestDenied`): a token, or nothing. */
export function remoteCode(code: string | undefined): string {
  if (!code) return '';
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(code) ? code : 'invalid-code';
}
