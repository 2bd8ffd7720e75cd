// imagePullSecrets as the kubelet's docker keyring reads them: kubernetes.io/dockerconfigjson
// (`.dockerconfigjson`: {"auths": {...}}) and kubernetes.io/dockercfg (`.dockercfg`: {...}).
// Keys are registry URLs, with or without scheme, with an optional path (".../v1/" and "/v2/"
// count as none) and "*" globs per host label; the most specific keys are tried first.
import type { AuthConfig } from '../cri/types.js';
import type { KubeObject } from '../api/types.js';
import { dataOf } from './objects.js';

export const SECRET_TYPE_DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const SECRET_TYPE_DOCKERCFG = 'kubernetes.io/dockercfg';
/** the key the docker CLI writes for Docker Hub */
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

interface Entry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
}

/** An image reference split as the runtime sees it: docker.io/library/busybox for "busybox". */
export function parseImage(image: string): { repository: string; tag: string; digest: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : '';
  let name = at >= 0 ? image.slice(0, at) : image;
  let tag = '';
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const first = name.split('/')[0]!;
  const hasHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let repository = hasHost ? name : `docker.io/${name}`;
  if (!hasHost && !name.includes('/')) repository = `docker.io/library/${name}`;
  if (!tag && !digest) tag = 'latest';
  return { repository, tag, digest };
}

/** scheme-less URL: host (with port) and path */
function splitUrl(u: string): { host: string; port: string; path: string } {
  const noScheme = u.replace(/^[a-z]+:\/\//i, '');
  const slash = noScheme.indexOf('/');
  const hostPort = slash < 0 ? noScheme : noScheme.slice(0, slash);
  const path = slash < 0 ? '' : noScheme.slice(slash);
  const m = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
  return { host: m[1]!.toLowerCase(), port: m[2] ?? '', path };
}

/** "*" matches within one host label, as Go's filepath.Match does there. */
function labelMatches(glob: string, label: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*')}$`);
  return re.test(label);
}

/** A keyring key matches an image repository by host labels, port and path prefix. */
export function keyMatches(key: string, repository: string): boolean {
  const g = splitUrl(key);
  const t = splitUrl(repository);
  if (g.port !== t.port) return false;
  const gl = g.host.split('.');
  const tl = t.host.split('.');
  if (gl.length !== tl.length || !gl.every((l, i) => labelMatches(l, tl[i]!))) return false;
  return t.path.startsWith(g.path);
}

/** The keyring key of a config entry: host[:port] plus a path other than /, /v1/ and /v2/ dropped. */
export function keyOf(server: string): string {
  const noScheme = server.replace(/^[a-z]+:\/\//i, '');
  const slash = noScheme.indexOf('/');
  if (slash < 0) return noScheme;
  let path = noScheme.slice(slash);
  if (path.startsWith('/v1/') || path.startsWith('/v2/')) path = path.slice(3);
  return path && path !== '/' ? noScheme.slice(0, slash) + path : noScheme.slice(0, slash);
}

function credential(e: Entry): AuthConfig {
  let { username, password } = e;
  if (e.auth) {
    // "auth" is base64(user:password) and wins over the separate fields, as in the docker config
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) {
      username = plain.slice(0, colon);
      password = plain.slice(colon + 1);
    }
  }
  return { username: username ?? '', password: password ?? '', ...(e.identitytoken ? { identityToken: e.identitytoken } : {}) };
}

/** The registry entries of one pull secret ({} when it is not a docker config secret or is malformed). */
export function secretEntries(secret: KubeObject): Record<string, Entry> {
  const type = (secret as { type?: string }).type;
  const data = dataOf(secret);
  try {
    if (type === SECRET_TYPE_DOCKER_CONFIG_JSON && data.get('.dockerconfigjson')?.length) {
      const doc = JSON.parse(data.get('.dockerconfigjson')!.toString('utf8')) as { auths?: Record<string, Entry> };
      return doc.auths ?? {};
    }
    if (type === SECRET_TYPE_DOCKERCFG && data.get('.dockercfg')?.length) return JSON.parse(data.get('.dockercfg')!.toString('utf8')) as Record<string, Entry>;
  } catch {
    // malformed JSON: the pull goes on without these credentials
  }
  return {};
}

/** Docker Hub images are the ones whose first path part is no host (or is docker.io). */
function isDefaultRegistry(repository: string): boolean {
  const first = repository.split('/')[0]!;
  return first === 'docker.io' || first === DEFAULT_REGISTRY_HOST;
}

/** The credentials to try, in order, for an image; empty when none match. */
export function lookupCredentials(secrets: readonly KubeObject[], image: string): AuthConfig[] {
  const creds = new Map<string, AuthConfig[]>();
  for (const s of secrets) {
    for (const [server, e] of Object.entries(secretEntries(s))) {
      if (!e || typeof e !== 'object') continue;
      const key = keyOf(server);
      creds.set(key, [...(creds.get(key) ?? []), credential(e)]);
    }
  }
  const { repository } = parseImage(image);
  // reverse lexical order puts longer (more specific) keys of one host first
  const keys = [...creds.keys()].sort().reverse();
  const out = keys.filter((k) => keyMatches(k, repository)).flatMap((k) => creds.get(k)!);
  if (out.length === 0 && isDefaultRegistry(repository)) return creds.get(DEFAULT_REGISTRY_HOST) ?? [];
  return out;
}
