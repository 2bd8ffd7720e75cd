// Parses a URL into what the request is about, like kube-apiserver's RequestInfo.

export interface RequestInfo {
  isResource: boolean;
  path: string;
  /** '' for core */
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** get list create update patch delete deletecollection watch */
  verb: string;
  query: URLSearchParams;
}

// Request targets the WHATWG URL parser returns unchanged: an origin-form path of characters it
// never percent-encodes, without "//" at the start (an authority), "%" (encoded dot segments) or
// "/." (dot segments); a query of characters it keeps as they are, no fragment.
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;

/** pathname and searchParams of new URL(rawUrl, 'https://x'), without building a URL when it would change nothing. */
export function splitUrl(rawUrl: string): { pathname: string; searchParams: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  if (PLAIN_PATH.test(path) && !path.includes('/.') && PLAIN_QUERY.test(query)) {
    return { pathname: path, searchParams: new URLSearchParams(query) };
  }
  return new URL(rawUrl, 'https://x');
}

export function parseRequestInfo(method: string, rawUrl: string): RequestInfo {
  const url = splitUrl(rawUrl);
  const pathname = url.pathname;
  const decode = pathname.includes('%'); // nothing to decode otherwise
  const parts: string[] = [];
  for (const p of pathname.split('/')) if (p !== '') parts.push(decode ? decodeURIComponent(p) : p);
  const info: RequestInfo = {
    isResource: false,
    path: url.pathname,
    group: '',
    version: '',
    namespace: '',
    resource: '',
    name: '',
    subresource: '',
    verb: method.toLowerCase(),
    query: url.searchParams,
  };
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    info.version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    info.group = parts[1]!;
    info.version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return info;
  }
  if (rest.length === 0) return info;
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    info.namespace = rest[1]!;
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2) {
    // /api/v1/namespaces/foo is the namespace object itself
    info.resource = 'namespaces';
    info.name = rest[1]!;
    rest = [];
  }
  if (rest.length > 0) {
    info.resource = rest[0]!;
    info.name = rest[1] ?? '';
    info.subresource = rest.slice(2).join('/');
  }
  info.isResource = info.resource !== '';
  const watchParam = url.searchParams.get('watch');
  const isWatch = legacyWatch || watchParam === 'true' || watchParam === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name === '' ? (isWatch ? 'watch' : 'list') : isWatch ? 'watch' : 'get';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name === '' ? 'deletecollection' : 'delete';
      break;
  }
  return info;
}
