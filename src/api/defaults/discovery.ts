// discovery.k8s.io/v1 defaults (upstream SetDefaults_EndpointPort): a port without a name
// gets "", without a protocol TCP.
import type { KubeObject } from '../types.js';
import { isObj } from '../validation/shapes.js';

export function defaultEndpointSlice(obj: KubeObject): void {
  if (!Array.isArray(obj.ports)) return;
  for (const p of obj.ports as unknown[]) {
    if (!isObj(p)) continue;
    if (p.name === undefined || p.name === null) p.name = '';
    if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
  }
}
