// First-start credentials: a CA, a serving certificate signed by it, and an admin bearer
// token, all kept under the data dir and reused on later starts.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join, dirname } from 'node:path';
import { createCertificate, KeyUsage, newKeyPair, privateKeyPem } from '../util/x509.js';

export interface Credentials {
  caPem: string;
  certPem: string;
  keyPem: string;
  adminToken: string;
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

function localAddresses(): string[] {
  const ips = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) ips.add(a.address);
  return [...ips];
}

/** Atomic write: a crash never leaves half a file. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function generate(): Omit<Credentials, 'adminToken'> {
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + TEN_YEARS_MS);
  const caKeys = newKeyPair();
  const caName = `kubelite-ca@${Math.floor(Date.now() / 1000)}`;
  const caPem = createCertificate({
    commonName: caName,
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter,
    ca: true,
    keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyCertSign, KeyUsage.cRLSign],
  });
  const keys = newKeyPair();
  const certPem = createCertificate({
    commonName: 'kube-apiserver',
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    issuer: { commonName: caName, publicKey: caKeys.publicKey },
    notBefore,
    notAfter,
    keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyEncipherment],
    serverAuth: true,
    altNames: { dns: ['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'], ips: localAddresses() },
  });
  return { caPem, certPem, keyPem: privateKeyPem(keys.privateKey) };
}

/** Load the credentials from DIR/server/tls, creating them on first start. */
export async function ensureCredentials(dataDir: string): Promise<Credentials> {
  const tls = join(dataDir, 'server', 'tls');
  const files = { ca: join(tls, 'ca.crt'), cert: join(tls, 'serving.crt'), key: join(tls, 'serving.key'), token: join(dataDir, 'server', 'token') };
  if (!existsSync(files.ca) || !existsSync(files.cert) || !existsSync(files.key)) {
    const g = generate();
    writeFileAtomic(files.ca, g.caPem, 0o644);
    writeFileAtomic(files.key, g.keyPem);
    writeFileAtomic(files.cert, g.certPem, 0o644);
  }
  if (!existsSync(files.token)) writeFileAtomic(files.token, randomBytes(24).toString('hex') + '\n');
  return {
    caPem: readFileSync(files.ca, 'utf8'),
    certPem: readFileSync(files.cert, 'utf8'),
    keyPem: readFileSync(files.key, 'utf8'),
    adminToken: readFileSync(files.token, 'utf8').trim(),
  };
}

export function kubeconfigYaml(server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubelite',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: kubelite',
    '  context:',
    '    cluster: kubelite',
    '    user: admin',
    '    namespace: default',
    'current-context: kubelite',
    'preferences: {}',
    '',
  ].join('\n');
}
