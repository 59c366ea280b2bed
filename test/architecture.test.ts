import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeCycle, folderCycles, folderGraph } from './helpers/folder-graph.js';

/**
 * The folders of src/ and the files at its top, bottom layer first (docs/architecture.md
 * draws the same list). A folder imports only from its own layer or the ones below it.
 */
const layers: readonly (readonly string[])[] = [
  ['errors.ts', 'lib', 'config.ts', 'security', 'logger.ts', 'expressions', 'scim-protocol'],
  ['connectors'],
  ['model'],
  ['store'],
  ['events'],
  ['audit', 'mappings', 'conflicts', 'directories'],
  ['sync'],
  ['scim', 'users'],
  ['services.ts'],
  ['api', 'cli', 'scheduler', 'retention', 'main.ts'],
];

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

describe('the folders of src/', () => {
  const graph = folderGraph(src);

  it('import each other without a cycle', () => {
    const cycles = folderCycles(graph);
    // The message names every import inside each cycle: one of them has to move.
    expect(cycles.map((c) => describeCycle(graph, c)).join('\n')).toBe('');
  });

  it('import only from their own layer or the layers below', () => {
    const rank = new Map<string, number>();
    layers.forEach((layer, i) => layer.forEach((node) => rank.set(node, i)));
    const problems: string[] = [];
    for (const [from, targets] of graph.edges) {
      for (const [to, imports] of targets) {
        const a = rank.get(from);
        const b = rank.get(to);
        if (a === undefined || b === undefined) {
          const missing = a === undefined ? from : to;
          problems.push(`${missing} is in no layer: add it to the list in this test`);
        } else if (b > a) {
          problems.push(`${from} (layer ${a}) imports ${to} (layer ${b}): ${imports.join(' | ')}`);
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
