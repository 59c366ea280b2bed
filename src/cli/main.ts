#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../config.js';
import { UsageError } from './usage-error.js';
import { createCommandLogger, createLogger, logDestination } from '../logger.js';
import { openServices, startDirsync, startWorkerProcess } from '../main.js';
import { directoryCommand } from './directory-command.js';
import { isPermission, type Permission } from '../security/tokens.js';
import { limitHeapGrowth } from '../lib/heap.js';

/**
 * The dirsync command line: a thin layer over the same services the API uses.
 * Results meant for scripts go to stdout alone; logs go to stderr.
 */
const usage = `Usage: dirsync <command>

  serve [--no-worker]          API and console, plus scheduler, sync worker and webhook
                               delivery (--no-worker: API and console only)
  worker                       scheduler, sync worker and webhook delivery, no HTTP
                               (SIGTERM: finishes or releases the job in hand, then exits)
  migrate                      bring the database schema up to date
  token create [--tenant ID] [--permissions a,b] [--name N]
                               create an API token and print it (only) on stdout
  token list [--tenant ID]     list tokens (never their values)
  token revoke <id>            revoke a token
  directory list [--tenant ID|SLUG] [--json]
                               list directories (every tenant's without --tenant): id,
                               tenant, type, enabled, health, schedule, name
  directory create --file body.json|- [--tenant ID|SLUG] [--json]
                               create a directory from the API's JSON body (default
                               tenant: the first); prints its id; exit 1 naming each
                               invalid field
  directory test <id> [--json] test a directory's connection; prints usersFound and
                               groupsFound, or the error kind and message (exit 1)
  directory sync <id> [--dry-run] [--confirm-deletions] [--full]
                               queue a sync and run it here unless a worker takes it;
                               progress on stderr, final counts on stdout; exit 1 when
                               the job fails or is cancelled

Configuration is read from environment variables (see README).`;

async function main(argv: string[]): Promise<number> {
  limitHeapGrowth();
  const [command, ...rest] = argv;
  const config = loadConfig();
  // Command output is for people and scripts; logs go to stderr so stdout stays clean.
  const logs = logDestination(process.stderr);
  const logger = createLogger(config.logLevel, logs);

  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { 'no-worker': { type: 'boolean' } } });
      const running = await startDirsync(config, {
        logStream: logs,
        worker: values['no-worker'] !== true,
      });
      const lines = [`dirsync is running at ${running.url}`, `Console: ${running.url}/`];
      if (running.bootstrap.adminToken) {
        lines.push(
          'First start: an instance admin token was created. It is shown this once; store it now:',
          `  ${running.bootstrap.adminToken}`,
          'Sign in to the console with it, or call the API with "Authorization: Bearer <token>".',
        );
      } else {
        lines.push(
          'Sign in with an API token (create one with: dirsync token create --name console --permissions admin).',
        );
      }
      // One write, after every start-up log line (log writes are synchronous), so no log
      // line ever lands inside the banner, even with stdout and stderr in one file.
      process.stdout.write(`${lines.join('\n')}\n`);
      const shutdown = () => {
        void running.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      return await new Promise<number>(() => undefined);
    }
    case 'worker': {
      parseArgs({ args: rest, options: {} });
      const running = await startWorkerProcess(config, { logStream: logs });
      process.stdout.write(`dirsync worker ${running.background.worker.workerId} is running\n`);
      return await new Promise<number>((resolve) => {
        const shutdown = () => void running.stop().then(() => resolve(0));
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      });
    }
    case 'directory':
      // Its stderr is progress for a person: human log lines, warnings and errors only.
      return directoryCommand(rest, config, createCommandLogger(config.logLevel, process.stderr));
    case 'migrate': {
      const services = await openServices(config, logger);
      await services.store.destroy();
      process.stdout.write('database schema is up to date\n');
      return 0;
    }
    case 'token':
      return tokenCommand(rest, config, logger);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${usage}\n`);
      return command === undefined ? 1 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function tokenCommand(
  args: string[],
  config: ReturnType<typeof loadConfig>,
  logger: ReturnType<typeof createLogger>,
): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      permissions: { type: 'string' },
      name: { type: 'string' },
    },
  });
  const services = await openServices(config, logger);
  try {
    const defaultTenant =
      (await services.tenants.first()) ?? (await services.tenants.create('Default'));
    const tenantId = values.tenant ?? defaultTenant.id;
    if (values.tenant && !(await services.tenants.get(values.tenant)))
      throw new UsageError(`--tenant: no tenant ${values.tenant}`);
    switch (sub) {
      case 'create': {
        const requested = (values.permissions ?? 'admin')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        const bad = requested.filter((p) => !isPermission(p));
        if (bad.length) throw new UsageError(`--permissions: unknown permission ${bad.join(', ')}`);
        const { token } = await services.tokens.create({
          tenantId,
          name: values.name ?? 'cli',
          permissions: requested as Permission[],
        });
        process.stdout.write(`${token}\n`);
        return 0;
      }
      case 'list': {
        const list = await services.tokens.list(values.tenant ?? undefined);
        for (const t of list) {
          process.stdout.write(
            `${t.id}\t${t.name}\tdsk_${t.prefix}_…\t${t.tenantId ?? 'instance'}\t${t.permissions.join(',')}\t${t.revokedAt ? 'revoked' : 'active'}\n`,
          );
        }
        return 0;
      }
      case 'revoke': {
        const id = positionals[0];
        if (!id) throw new UsageError('token revoke needs a token id');
        if (!(await services.tokens.revoke(id))) throw new UsageError(`no active token ${id}`);
        process.stdout.write(`revoked ${id}\n`);
        return 0;
      }
      default:
        throw new UsageError('token needs create, list or revoke');
    }
  } finally {
    await services.store.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(
        `dirsync: ${err.message}\n${err instanceof UsageError ? `\n${usage}\n` : ''}`,
      );
      process.exit(2);
    }
    process.stderr.write(`dirsync: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
