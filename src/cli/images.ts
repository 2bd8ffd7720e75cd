// `kubelite images import FILE... [--data-dir DIR | --container-runtime-endpoint SOCK]`:
// imports OCI/docker image archives into the node's containerd (namespace k8s.io, where CRI
// sees them). Flag parsing only; the work is in src/cri/images/import.ts.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { CriClient } from '../cri/client.js';
import { containerdPaths } from '../cri/containerd-config.js';
import { CriError } from '../cri/errors.js';
import { ctrImport, importImages, ImageImportError } from '../cri/images/import.js';
import { createLogger } from '../util/logger.js';

const USAGE = `Usage:
  kubelite images import FILE... [flags]   import image archives (OCI layout or docker save tars)

Flags:
  --data-dir DIR                     the agent's data dir: use its containerd (default /var/lib/kubelite)
  --container-runtime-endpoint SOCK  an existing containerd socket instead
  --force                            import even if the runtime already has the same images

Archives copied into DIR/agent/images/ are imported at every agent start (air-gap folder).
`;

function fail(msg: string, code = 1): never {
  process.stderr.write(`kubelite images: ${msg}\n`);
  process.exit(code);
}

export async function runImages(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string', default: '/var/lib/kubelite' },
        'container-runtime-endpoint': { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'log-level': { type: 'string', default: 'info' },
      },
      strict: true,
    });
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const [sub, ...files] = positionals;
  if (sub !== 'import') fail(`unknown subcommand "${sub}"\n\n${USAGE}`, 2);
  if (files.length === 0) fail(`import needs at least one FILE\n\n${USAGE}`, 2);

  const endpoint = values['container-runtime-endpoint'] ?? containerdPaths(resolve(values['data-dir']!)).socket;
  const log = createLogger({ level: values['log-level'], name: 'images' });
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  let client: CriClient;
  try {
    client = await CriClient.connect(endpoint, { timeoutMs: 3000, signal: ac.signal });
  } catch (err) {
    fail(
      `no container runtime answers on ${endpoint} (${(err as Error).message}).\n` +
        `Start the agent first (kubelite server), or copy the archives into <data-dir>/agent/images/ to import them at its next start.`,
    );
  }
  try {
    const address = endpoint.replace(/^unix:\/\//, '');
    for (const file of files.map((f) => resolve(f))) {
      if (values.force) {
        await ctrImport(file, { address, signal: ac.signal });
        process.stdout.write(`imported ${file}\n`);
        continue;
      }
      const [r] = await importImages(client, [file], { address, signal: ac.signal, log });
      process.stdout.write(`${r!.skipped ? 'already present' : 'imported'} ${file}\n`);
    }
  } catch (err) {
    if (err instanceof ImageImportError || err instanceof CriError) fail(err.message);
    throw err;
  } finally {
    client.close();
  }
}
