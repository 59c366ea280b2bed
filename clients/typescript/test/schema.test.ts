import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../test/helpers/openapi-document.js';
// @ts-expect-error plain JavaScript module of the client package, without declarations
import { generateSchema } from '../scripts/generate.mjs';

const dir = path.resolve(import.meta.dirname, '..');
const regenerate = 'out of date: run `npm run client:generate` and commit the result';

describe('@dirsync/client package', () => {
  it('carries the OpenAPI document this server publishes, and the types generated from it', async () => {
    const document = await openApiDocument();
    const committed = JSON.parse(fs.readFileSync(path.join(dir, 'openapi.json'), 'utf8'));
    expect(committed, `clients/typescript/openapi.json is ${regenerate}`).toEqual(document);
    const schema = await (generateSchema as (d: unknown) => Promise<string>)(document);
    expect(
      fs.readFileSync(path.join(dir, 'src', 'schema.ts'), 'utf8') === schema,
      `clients/typescript/src/schema.ts is ${regenerate}`,
    ).toBe(true);
  });

  it('builds with its own TypeScript into JavaScript and declarations', async () => {
    // Inside the package, so the build resolves openapi-fetch as an installed copy would.
    const outDir = fs.mkdtempSync(path.join(dir, '.build-'));
    try {
      await promisify(execFile)(
        process.execPath,
        [
          path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          path.join(dir, 'tsconfig.json'),
          '--outDir',
          outDir,
        ],
        { cwd: dir },
      );
      expect(fs.readdirSync(outDir).sort()).toEqual(
        expect.arrayContaining(['index.js', 'index.d.ts', 'webhook.js', 'schema.d.ts']),
      );
      const built = (await import(path.join(outDir, 'index.js'))) as Record<string, unknown>;
      expect(Object.keys(built).sort()).toEqual([
        'DirsyncApiError',
        'SIGNATURE_HEADER',
        'WebhookVerificationError',
        'createDirsyncClient',
        'verifyWebhook',
      ]);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  }, 180_000);
});
