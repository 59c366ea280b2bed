// Prints the plain closing line CI reads: "N passed, N failed" (skipped tests, if any,
// on the line before).
import fs from 'node:fs';

const file = process.argv[2];
if (!fs.existsSync(file)) {
  console.log(`0 passed, ${1 + Number(process.argv[3] ?? 0)} failed`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
// A suite that failed to load counts as a failure even though none of its tests ran.
const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
const failedChecks = Number(process.argv[3] ?? 0);
// Errors outside any test (an unhandled rejection or exception) fail the run without
// failing a test: vitest's exit status (argv[4]) counts them as one failure.
const runErrors = process.argv[4] && process.argv[4] !== '0' && r.numFailedTests + brokenFiles === 0 ? 1 : 0;
const failed = r.numFailedTests + brokenFiles + failedChecks + runErrors;
const skipped = r.numPendingTests + (r.numTodoTests ?? 0);
if (skipped) console.log(`${skipped} skipped`);
console.log(`${r.numPassedTests} passed, ${failed} failed`);
process.exit(failed > 0 || r.numPassedTests === 0 ? 1 : 0);
