// First-start credentials: a CA, a serving certificate signed by it, and an admin bearer
// token, all kept under the data dir and reused on later starts.
import { webcrypto, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join, dirname } from 'node:path';

export interface Credentials {
  caPem: string;
  certPem: string;
  keyPem: string;
  adminToken: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

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

async function generate(): Promise<Omit<Credentials, 'adminToken'>> {
  // loaded only when certificates must be made: the library costs ~17 MB of memory
  await import('reflect-metadata'); // required by @peculiar/x509's dependency injection
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + TEN_YEARS_MS);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=kubelite-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const sans: import('@peculiar/x509').JsonGeneralName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'dns', value: hostname() },
    { type: 'dns', value: 'kubernetes' },
    { type: 'dns', value: 'kubernetes.default' },
    { type: 'dns', value: 'kubernetes.default.svc' },
    ...localAddresses().map((ip) => ({ type: 'ip' as const, value: ip })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    caPem: ca.toString('pem') + '\n',
    certPem: cert.toString('pem') + '\n',
    keyPem: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

/** Load the credentials from DIR/server/tls, creating them on first start. */
export async function ensureCredentials(dataDir: string): Promise<Credentials> {
  const tls = join(dataDir, 'server', 'tls');
  const files = { ca: join(tls, 'ca.crt'), cert: join(tls, 'serving.crt'), key: join(tls, 'serving.key'), token: join(dataDir, 'server', 'token') };
  if (!existsSync(files.ca) || !existsSync(files.cert) || !existsSync(files.key)) {
    const g = await generate();
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
