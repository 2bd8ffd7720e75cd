// A self-signed serving certificate for the kubelet's HTTPS endpoint (kubelet's default when
// no --tls-cert-file is given). The API server does not verify it; TLS protects the stream.
import { webcrypto, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function selfSignedKubeletCert(nodeName: string, ips: string[] = ['127.0.0.1']): Promise<{ certPem: string; keyPem: string }> {
  await import('reflect-metadata'); // @peculiar/x509's dependency injection needs it
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=${nodeName}@${Math.floor(Date.now() / 1000)}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: nodeName },
        { type: 'dns', value: hostname() },
        ...ips.map((ip) => ({ type: 'ip' as const, value: ip })),
      ]),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return { certPem: cert.toString('pem') + '\n', keyPem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n` };
}
