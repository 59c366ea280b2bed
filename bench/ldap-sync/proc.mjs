/* global process */
// What the benchmark's phase processes read from /proc about themselves and the server.
import fs from 'node:fs';

/** utime + stime of a process so far, in ms (USER_HZ = 100 on Linux). */
export function processCpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * This process's own peak RSS: VmHWM starts afresh at exec. getrusage's maxRSS does not:
 * Linux carries over the forked copy of the parent (the bench, which holds the seed LDIF).
 */
export function peakRssMb() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return (Number.isFinite(kb) ? kb * 1024 : process.resourceUsage().maxRSS * 1024) / 2 ** 20;
}
