// Generates src/schema.ts, the API's types, from openapi.json (the document the dirsync
// server publishes; `npm run client:generate` in the dirsync repository refreshes both).
import fs from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const HEADER = `// Generated from openapi.json by scripts/generate.mjs (openapi-typescript). Do not edit:
// run \`npm run client:generate\` in the dirsync repository after changing the API.
`;

/** The text of src/schema.ts for an OpenAPI document (an object, as JSON.parse returns it). */
export async function generateSchema(document) {
  const ast = await openapiTS(document, { alphabetize: false, exportType: false });
  return `${HEADER}\n${astToString(ast)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const here = new URL('..', import.meta.url);
  const document = JSON.parse(fs.readFileSync(new URL('openapi.json', here), 'utf8'));
  fs.writeFileSync(new URL('src/schema.ts', here), await generateSchema(document));
}
