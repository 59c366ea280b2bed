// Prints the plain closing line CI reads: "N passed, N failed" over every vitest run of
// scripts/test.sh (skipped tests, if any, and the count of each run on the lines before).
//   node scripts/test-summary.mjs <failed checks> <label> <report.json> <vitest status> [<label> <report.json> <vitest status> …]
import fs from 'node:fs';

const [checksArg, ...runArgs] = process.argv.slice(2);
const failedChecks = Number(checksArg ?? 0);
let passed = 0;
let failed = failedChecks;
let skipped = 0;
const perRun = [];
for (let i = 0; i < runArgs.length; i += 3) {
  const [label, file, status] = runArgs.slice(i, i + 3);
  if (!fs.existsSync(file)) {
    // The run never wrote its report (it could not start, or crashed): one failure.
    failed += 1;
    perRun.push(`${label}: no report`);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  // A suite that failed to load counts as a failure even though none of its tests ran.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
  ).length;
  // Errors outside any test (an unhandled rejection or exception) fail the run without
  // failing a test: vitest's exit status counts them as one failure.
  const runErrors = status && status !== '0' && r.numFailedTests + brokenFiles === 0 ? 1 : 0;
  const runFailed = r.numFailedTests + brokenFiles + runErrors;
  passed += r.numPassedTests;
  failed += runFailed;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  perRun.push(`${label}: ${r.numPassedTests} tests passed, ${runFailed} failed`);
}
if (perRun.length > 1) console.log(`(${perRun.join('; ')})`);
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
