// /version, legacy discovery (/api, /apis, /api/v1, /apis/g/v) and aggregated discovery (v2).
import { RESOURCES, GROUP_ORDER, VIRTUAL_RESOURCES, type ResourceInfo } from '../api/resources.js';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4+kubelite',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-22T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Everything discovery lists: stored resources and the create-only virtual ones. */
const SERVED: readonly ResourceInfo[] = [...RESOURCES, ...VIRTUAL_RESOURCES];

/** Groups that have no resources of their own but kinds referenced by subresources. */
const EXTRA_GROUPS: { group: string; version: string }[] = [{ group: 'autoscaling', version: 'v1' }, { group: 'policy', version: 'v1' }];

function groupsInOrder(): { group: string; versions: string[] }[] {
  const seen = new Map<string, Set<string>>();
  for (const r of SERVED) {
    if (!seen.has(r.group)) seen.set(r.group, new Set());
    seen.get(r.group)!.add(r.version);
  }
  for (const g of EXTRA_GROUPS) {
    if (!seen.has(g.group)) seen.set(g.group, new Set());
    seen.get(g.group)!.add(g.version);
  }
  const names = [...seen.keys()].sort((a, b) => {
    const ia = GROUP_ORDER.indexOf(a);
    const ib = GROUP_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return names.map((g) => ({ group: g, versions: [...seen.get(g)!] }));
}

/** Does Accept ask for aggregated discovery (v2 or v2beta1)? Returns the content type to answer with. */
export function aggregatedAccept(accept: string | undefined): string | undefined {
  if (!accept) return undefined;
  for (const entry of accept.split(',')) {
    const params = entry.split(';').map((s) => s.trim());
    const p = new Map(params.slice(1).map((x) => x.split('=') as [string, string]));
    if (p.get('g') === 'apidiscovery.k8s.io' && p.get('as') === 'APIGroupDiscoveryList') {
      if (p.get('v') === 'v2') return AGGREGATED_CONTENT_TYPE;
      if (p.get('v') === 'v2beta1') return AGGREGATED_V2BETA1;
    }
    if (params[0] === 'application/json' && !p.has('g')) return undefined;
  }
  return undefined;
}

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return SERVED.filter((r) => r.group === group && r.version === version);
}

export function aggregatedDiscovery(core: boolean, contentType: string): unknown {
  const groups = groupsInOrder().filter((g) => (core ? g.group === '' : g.group !== ''));
  const apiVersion = contentType === AGGREGATED_CONTENT_TYPE ? 'apidiscovery.k8s.io/v2' : 'apidiscovery.k8s.io/v2beta1';
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: resourcesOf(g.group, v).map((r) => ({
          resource: r.resource,
          singularResource: r.singular,
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
          ...(r.subresources.length
            ? {
                subresources: r.subresources.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs })),
              }
            : {}),
        })),
      })),
    })),
  };
}

export function legacyApiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(g: { group: string; versions: string[] }): unknown {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

export function legacyApiGroupList(): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsInOrder().filter((g) => g.group !== '').map(groupEntry) };
}

export function legacyApiGroup(group: string): unknown | undefined {
  const g = groupsInOrder().find((x) => x.group === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...(groupEntry(g) as object) } : undefined;
}

export function apiResourceList(group: string, version: string): unknown | undefined {
  const known = groupsInOrder().some((g) => g.group === group && g.versions.includes(version));
  if (!known) return undefined;
  const resources: unknown[] = [];
  for (const r of resourcesOf(group, version)) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      storageVersionHash: '',
    });
    for (const s of r.subresources) {
      resources.push({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.kind.group !== r.group || s.kind.version !== r.version ? { group: s.kind.group, version: s.kind.version } : {}),
        kind: s.kind.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
