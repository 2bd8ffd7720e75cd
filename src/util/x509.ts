// The few X.509 v3 certificates kubelite makes (its CA, the API server's serving certificate,
// the kubelet's self-signed one), DER-encoded by hand on node:crypto's ECDSA P-256 keys.
// A certificate library (@peculiar/x509 with its ASN.1 schemas) cost ~0.4 s of CPU to load
// and ~10 MB of heap in every process that made one, the node agent included, for what is
// ~150 lines of DER (RFC 5280).
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

// --- DER (X.690) -----------------------------------------------------------------------------
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
/** a non-negative INTEGER from its big-endian bytes, minimally encoded */
function uint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
/** a BIT STRING of whole bytes */
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const enc = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) enc.unshift(0x80 | (v & 0x7f));
    out.push(...enc);
  }
  return tlv(0x06, Buffer.from(out));
}
/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5) */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = d.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

// --- X.509 pieces --------------------------------------------------------------------------
const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const nameCN = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));

export const KeyUsage = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** keyUsage's named BIT STRING: trailing zero bits are left out (DER) */
function keyUsageBits(usages: number[]): Buffer {
  const last = Math.max(...usages);
  const bytes = Buffer.alloc((last >> 3) + 1);
  for (const u of usages) bytes[u >> 3]! |= 0x80 >> (u & 7);
  return bits(bytes, 7 - (last & 7));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  let s = ip.split('%')[0]!; // a zone (fe80::1%eth0) is not part of the address
  if (!isIPv6(s)) throw new Error(`not an IP address: ${ip}`);
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s); // ::ffff:1.2.3.4
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = s.slice(0, v4.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(parseInt(w, 16), i * 2));
  return out;
}

export interface SubjectAltNames {
  dns?: string[];
  ips?: string[];
}

export interface CertificateRequest {
  /** common name of the subject */
  commonName: string;
  /** the key the certificate is for */
  publicKey: KeyObject;
  /** signs the certificate: the subject's own key (self-signed) or the issuer's */
  signingKey: KeyObject;
  /** the issuer's certificate; none: self-signed */
  issuer?: { commonName: string; publicKey: KeyObject };
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  keyUsage?: number[];
  serverAuth?: boolean;
  altNames?: SubjectAltNames;
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1) */
function keyId(spkiDer: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }: the last TLV's content minus its unused-bits byte
  const readLen = (at: number): [number, number] => {
    const first = spkiDer[at]!;
    if (first < 0x80) return [first, at + 1];
    let n = 0;
    for (let i = 1; i <= (first & 0x7f); i++) n = n * 256 + spkiDer[at + i]!;
    return [n, at + 1 + (first & 0x7f)];
  };
  let [, p] = readLen(1); // into the outer SEQUENCE
  const [algLen, algAt] = readLen(p + 1);
  p = algAt + algLen; // the BIT STRING
  const [bitLen, bitAt] = readLen(p + 1);
  return createHash('sha1').update(spkiDer.subarray(bitAt + 1, bitAt + bitLen)).digest();
}

/** A DER X.509 v3 certificate signed with ECDSA-SHA256, as PEM. */
export function createCertificate(r: CertificateRequest): string {
  const spki = r.publicKey.export({ type: 'spki', format: 'der' });
  const issuerSpki = r.issuer ? r.issuer.publicKey.export({ type: 'spki', format: 'der' }) : spki;
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, and no leading zero byte
  const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
  const extensions = [ext('2.5.29.19', true, r.ca ? seq(bool(true)) : seq())];
  if (r.keyUsage?.length) extensions.push(ext('2.5.29.15', true, keyUsageBits(r.keyUsage)));
  if (r.serverAuth) extensions.push(ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))));
  const names = [...(r.altNames?.dns ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))), ...(r.altNames?.ips ?? []).map((ip) => tlv(0x87, ipBytes(ip)))];
  if (names.length) extensions.push(ext('2.5.29.17', false, seq(...names)));
  extensions.push(ext('2.5.29.14', false, octets(keyId(spki))));
  if (r.issuer) extensions.push(ext('2.5.29.35', false, seq(tlv(0x80, keyId(issuerSpki)))));
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(serial),
    ECDSA_WITH_SHA256,
    nameCN(r.issuer?.commonName ?? r.commonName),
    seq(time(r.notBefore), time(r.notAfter)),
    nameCN(r.commonName),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, r.signingKey); // DER ECDSA-Sig-Value, as X.509 wants it
  const der = seq(tbs, ECDSA_WITH_SHA256, bits(signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A fresh ECDSA P-256 key pair (the key type kubeadm and k3s use too). */
export function newKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** PKCS#8 PEM of a private key. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}
