// The entry of a worker thread started from source (tsx, vitest): it registers tsx's loader
// in the thread, which does not inherit its parent's (and Node 20 ignores --import in a
// worker's execArgv), then runs the TypeScript module named by the first argument. Built
// code (dist/) starts its .js workers directly and never loads this file.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
