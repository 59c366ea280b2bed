import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { generateKey, parseKey } from './secret-box.js';

/**
 * The key ring from DIRSYNC_SECRET_KEY, or from `<dataDir>/secret.key`, generated on
 * first start (mode 0600) so an embedded install works with no setup.
 */
export function loadSecretKeys(options: {
  secretKeys: string[] | null;
  dataDir: string;
  logger: Logger;
}): Buffer[] {
  if (options.secretKeys) return options.secretKeys.map(parseKey);
  const file = path.join(options.dataDir, 'secret.key');
  if (fs.existsSync(file)) {
    return fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean).map(parseKey);
  }
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${generateKey()}\n`, { mode: 0o600, flag: 'wx' });
  options.logger.warn(
    { file },
    'generated a secret key for encrypting stored credentials; back it up, or set DIRSYNC_SECRET_KEY',
  );
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean).map(parseKey);
}
