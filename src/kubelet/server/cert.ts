// A self-signed serving certificate for the kubelet's HTTPS endpoint (kubelet's default when
// no --tls-cert-file is given). The API server does not verify it; TLS protects the stream.
import { hostname } from 'node:os';
import { createCertificate, newKeyPair, privateKeyPem } from '../../util/x509.js';

export async function selfSignedKubeletCert(nodeName: string, ips: string[] = ['127.0.0.1']): Promise<{ certPem: string; keyPem: string }> {
  const keys = newKeyPair();
  const certPem = createCertificate({
    commonName: `${nodeName}@${Math.floor(Date.now() / 1000)}`,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    serverAuth: true,
    altNames: { dns: [...new Set([nodeName, hostname()])], ips },
  });
  return { certPem, keyPem: privateKeyPem(keys.privateKey) };
}
