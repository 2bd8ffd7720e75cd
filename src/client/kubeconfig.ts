// Kubeconfig loader: the current context's cluster (server, CA) and user (bearer token),
// enough for kubelite's components and tools to talk to an API server like kubectl does.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { RestConfig } from './rest.js';

/** The kubeconfig cannot be used; the message says what to fix. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function findNamed(list: unknown, name: string, field: string, path: string): Record<string, unknown> {
  if (!Array.isArray(list)) throw new KubeconfigError(`${path}: no "${field}s" list`);
  const entry = (list as unknown[]).find((e): e is Record<string, unknown> => isRecord(e) && e.name === name);
  if (!entry) throw new KubeconfigError(`${path}: ${field} "${name}" not found`);
  const body = entry[field];
  if (!isRecord(body)) throw new KubeconfigError(`${path}: ${field} "${name}" has no "${field}" section`);
  return body;
}

function readRelative(base: string, file: string, what: string, path: string): string {
  const p = isAbsolute(file) ? file : resolve(dirname(base), file);
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`${path}: cannot read ${what} ${p}: ${(err as Error).message}`);
  }
}

/** Parse kubeconfig text; `path` is used for messages and for relative file references. */
export function parseKubeconfig(text: string, path: string, context?: string): RestConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new KubeconfigError(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  if (!isRecord(doc)) throw new KubeconfigError(`${path}: not a kubeconfig (expected a YAML mapping)`);
  const ctxName = context ?? doc['current-context'];
  if (typeof ctxName !== 'string' || ctxName === '') throw new KubeconfigError(`${path}: no current-context set`);
  const ctx = findNamed(doc.contexts, ctxName, 'context', path);
  if (typeof ctx.cluster !== 'string') throw new KubeconfigError(`${path}: context "${ctxName}" names no cluster`);
  const cluster = findNamed(doc.clusters, ctx.cluster, 'cluster', path);
  const server = cluster.server;
  if (typeof server !== 'string' || server === '') throw new KubeconfigError(`${path}: cluster "${ctx.cluster}" has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`${path}: cluster "${ctx.cluster}" server "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new KubeconfigError(`${path}: server "${server}" must use https`);

  let caPem: string;
  const caData = cluster['certificate-authority-data'];
  const caFile = cluster['certificate-authority'];
  if (typeof caData === 'string' && caData !== '') caPem = Buffer.from(caData, 'base64').toString('utf8');
  else if (typeof caFile === 'string' && caFile !== '') caPem = readRelative(path, caFile, 'certificate-authority', path);
  else throw new KubeconfigError(`${path}: cluster "${ctx.cluster}" has neither certificate-authority-data nor certificate-authority`);
  if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new KubeconfigError(`${path}: the certificate authority of cluster "${ctx.cluster}" is not a PEM certificate`);

  if (typeof ctx.user !== 'string') throw new KubeconfigError(`${path}: context "${ctxName}" names no user`);
  const user = findNamed(doc.users, ctx.user, 'user', path);
  let token: string;
  if (typeof user.token === 'string' && user.token !== '') token = user.token;
  else if (typeof user.tokenFile === 'string' && user.tokenFile !== '') token = readRelative(path, user.tokenFile, 'tokenFile', path).trim();
  else throw new KubeconfigError(`${path}: user "${ctx.user}" has no token (only bearer-token users are supported)`);
  return { server: url.origin, caPem, token };
}

/** Load a kubeconfig file and return the current context's connection settings. */
export function loadKubeconfig(path: string, context?: string): RestConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KubeconfigError(code === 'ENOENT' ? `kubeconfig ${path} does not exist` : `cannot read kubeconfig ${path}: ${(err as Error).message}`);
  }
  return parseKubeconfig(text, path, context);
}
