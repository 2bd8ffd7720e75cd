import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, KeyUsage, newKeyPair, privateKeyPem } from './x509.js';

function chain() {
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date('2061-01-01T00:00:00Z'); // after 2049: GeneralizedTime
  const caKeys = newKeyPair();
  const caPem = createCertificate({ commonName: 'test-ca', publicKey: caKeys.publicKey, signingKey: caKeys.privateKey, notBefore, notAfter, ca: true, keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyCertSign, KeyUsage.cRLSign] });
  const keys = newKeyPair();
  const certPem = createCertificate({
    commonName: 'kube-apiserver',
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    issuer: { commonName: 'test-ca', publicKey: caKeys.publicKey },
    notBefore,
    notAfter,
    keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyEncipherment],
    serverAuth: true,
    altNames: { dns: ['localhost', 'kubernetes.default.svc'], ips: ['127.0.0.1', '::1', 'fe80::1:2%eth0', '::ffff:10.1.2.3'] },
  });
  return { caPem, certPem, keyPem: privateKeyPem(keys.privateKey), notAfter };
}

test('the CA and the serving certificate parse, chain and carry their extensions', () => {
  const { caPem, certPem, notAfter } = chain();
  const ca = new X509Certificate(caPem);
  const cert = new X509Certificate(certPem);
  assert.equal(ca.ca, true);
  assert.equal(cert.ca, false);
  assert.equal(ca.subject, 'CN=test-ca');
  assert.equal(cert.subject, 'CN=kube-apiserver');
  assert.equal(cert.issuer, 'CN=test-ca');
  assert.ok(cert.checkIssued(ca));
  assert.ok(cert.verify(ca.publicKey));
  assert.ok(ca.verify(ca.publicKey));
  assert.equal(new Date(cert.validTo).getTime(), notAfter.getTime());
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']); // extended key usage: serverAuth
  assert.equal(cert.subjectAltName, 'DNS:localhost, DNS:kubernetes.default.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:1:2, IP Address:0:0:0:0:0:FFFF:A01:203');
  assert.equal(cert.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkHost('example.com'), undefined);
});

test('a TLS client that trusts the CA accepts the serving certificate by name and by IP', async () => {
  const { caPem, certPem, keyPem } = chain();
  const server = createServer({ cert: certPem, key: keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    for (const servername of ['localhost', undefined]) {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, servername, ca: caPem, path: '/', agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'ok');
    }
    const wrongName = new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, servername: 'example.com', ca: caPem, path: '/', agent: false }, () => reject(new Error('accepted')));
      req.on('error', (err) => (/altnames/i.test(err.message) ? resolve() : reject(err)));
      req.end();
    });
    await wrongName;
  } finally {
    server.close();
  }
});
