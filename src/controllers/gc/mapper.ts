// apiVersion + kind -> REST path, from the API server's discovery documents (a small
// RESTMapper). The garbage collector needs it for owners and dependents of any kind.
import { ApiError } from '../../api/errors.js';
import { parseApiVersion } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface Mapping {
  resource: string;
  namespaced: boolean;
  /** path of one object */
  path(namespace: string | undefined, name: string): string;
}

export class ResourceMapper {
  private readonly groups = new Map<string, Promise<ApiResource[]>>();

  constructor(private readonly client: RestClient) {}

  /** The mapping for apiVersion/kind, or undefined when the server does not serve it. */
  async map(apiVersion: string, kind: string): Promise<Mapping | undefined> {
    const resources = await this.resources(apiVersion);
    const r = resources.find((x) => x.kind === kind && !x.name.includes('/'));
    if (!r) return undefined;
    const { group, version } = parseApiVersion(apiVersion);
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    return {
      resource: r.name,
      namespaced: r.namespaced,
      path: (ns, name) => (r.namespaced ? `${base}/namespaces/${ns}/${r.name}/${name}` : `${base}/${r.name}/${name}`),
    };
  }

  private resources(apiVersion: string): Promise<ApiResource[]> {
    let p = this.groups.get(apiVersion);
    if (!p) {
      const { group, version } = parseApiVersion(apiVersion);
      const url = group ? `/apis/${group}/${version}` : `/api/${version}`;
      p = this.client.json<{ resources: ApiResource[] }>('GET', url).then(
        (l) => l.resources ?? [],
        (err: unknown) => {
          this.groups.delete(apiVersion);
          if (err instanceof ApiError && err.code === 404) return [];
          throw err;
        },
      );
      this.groups.set(apiVersion, p);
    }
    return p;
  }
}
