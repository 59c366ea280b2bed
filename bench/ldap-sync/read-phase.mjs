/* global process, performance, AbortController */
// One read of the LDAP sync benchmark, in its own process like sync-phase.mjs so every
// phase starts from the same clean heap: `raw` streams every entry with ldapts' paged
// search (the floor), `connector` drains the connector's read page by page (mapping and
// paging, no store), `sweep` times the id-only sweep of a delta read without a deletion
// feed. Input: JSON in argv[2]; output: one JSON line.
import { Client } from 'ldapts';
import { createLdapConnector } from '../../dist/connectors/ldap/ldap-connector.js';

const input = JSON.parse(process.argv[2]);
let entries = 0;
const started = performance.now();
const cpu = process.cpuUsage();
if (input.mode === 'raw') {
  const client = new Client({ url: input.url });
  await client.bind(input.bindDN, input.bindPassword);
  for (const search of input.searches) {
    for await (const page of client.searchPaginated(search.baseDN, {
      scope: 'sub',
      filter: search.filter,
      attributes: search.attributes,
      paged: { pageSize: 1000 },
    }))
      entries += page.searchEntries.length;
  }
  await client.unbind();
} else if (input.mode === 'sweep') {
  // A delta read without a deletion feed (a modifyTimestamp cursor): the read itself is
  // drained first, then only the sweep of ids in scope is timed.
  const connector = createLdapConnector('ldap', input.settings, {
    bindPassword: input.bindPassword,
  });
  const read = await connector.read({ cursor: input.cursor, signal: new AbortController().signal });
  for await (const page of read.users()) void page;
  for await (const page of read.groups()) void page;
  for await (const page of read.deleted()) void page;
  const sweep = read.sweep?.();
  if (!sweep) throw new Error(`a ${read.mode} read offered no sweep`);
  const sweepStarted = performance.now();
  const sweepCpu = process.cpuUsage();
  for await (const page of sweep) entries += page.externalIds.length;
  const used = process.cpuUsage(sweepCpu);
  await connector.close();
  process.stdout.write(
    `${JSON.stringify({ ms: performance.now() - sweepStarted, cpuMs: (used.user + used.system) / 1000, entries })}\n`,
  );
  process.exit(0);
} else {
  const connector = createLdapConnector('ldap', input.settings, {
    bindPassword: input.bindPassword,
  });
  const read = await connector.read({ cursor: null, signal: new AbortController().signal });
  for await (const page of read.users()) entries += page.length;
  for await (const page of read.groups()) entries += page.length;
  for await (const page of read.deleted()) entries += page.length;
  await connector.close();
}
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const cpuMs = (used.user + used.system) / 1000;
process.stdout.write(`${JSON.stringify({ ms, cpuMs, entries })}\n`);
