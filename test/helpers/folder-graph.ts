import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The import graph of a source tree at folder level: each top-level folder of `root` is
 * one node, and so is each file directly in it (`services.ts`, `main.ts`). Every relative
 * import counts, type-only ones included (a cycle through types still ties the folders
 * together), and so do `export … from`, side-effect imports and `import()`. Tests
 * (`*.test.ts`) are left out: they may reach across the layers they check.
 */
export interface FolderGraph {
  /** node → the nodes it imports → the file-level imports behind that edge. */
  edges: Map<string, Map<string, string[]>>;
}

/** The node of a file: its top-level folder under `root`, or its own name at the top. */
export function folderOf(root: string, file: string): string {
  return path.relative(root, file).split(path.sep)[0];
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(full);
  }
  return files;
}

export function folderGraph(root: string): FolderGraph {
  const edges = new Map<string, Map<string, string[]>>();
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file);
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), fileName).replace(/\.js$/, '.ts');
      const to = folderOf(root, target);
      if (to === from) continue;
      let byTarget = edges.get(from);
      if (!byTarget) edges.set(from, (byTarget = new Map()));
      const lines = byTarget.get(to) ?? [];
      lines.push(`${path.relative(root, file)} -> ${path.relative(root, target)}`);
      byTarget.set(to, lines);
    }
  }
  return { edges };
}

/** The strongly connected components of more than one node (Tarjan): each is a cycle. */
export function folderCycles(graph: FolderGraph): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.edges.get(node)?.keys() ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };

  for (const node of graph.edges.keys()) if (!indexOf.has(node)) visit(node);
  return cycles;
}

/** The edges inside a cycle, each with the imports behind it: what to cut. */
export function describeCycle(graph: FolderGraph, cycle: string[]): string {
  const lines: string[] = [];
  for (const from of cycle) {
    for (const [to, imports] of graph.edges.get(from) ?? []) {
      if (!cycle.includes(to)) continue;
      lines.push(`${from} -> ${to} (${imports.length}):`, ...imports.map((i) => `    ${i}`));
    }
  }
  return `cycle [${cycle.join(', ')}]\n  ${lines.join('\n  ')}`;
}
