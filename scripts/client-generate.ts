// Refreshes the TypeScript client's inputs from this server: clients/typescript/openapi.json
// (the published OpenAPI document) and clients/typescript/src/schema.ts (its types).
import fs from 'node:fs';
import { openApiDocument } from '../test/helpers/openapi-document.js';
// @ts-expect-error plain JavaScript module of the client package, without declarations
import { generateSchema } from '../clients/typescript/scripts/generate.mjs';

const dir = new URL('../clients/typescript/', import.meta.url);
const document = await openApiDocument();
fs.writeFileSync(new URL('openapi.json', dir), `${JSON.stringify(document, null, 2)}\n`);
fs.writeFileSync(
  new URL('src/schema.ts', dir),
  await (generateSchema as (d: unknown) => Promise<string>)(document),
);
process.stdout.write('wrote clients/typescript/openapi.json and src/schema.ts\n');
