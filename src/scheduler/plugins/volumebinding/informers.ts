// The claims, volumes and storage classes VolumeBinding reads, from the scheduler's own informers.
import type { KubeObject } from '../../../api/types.js';
import { Informer } from '../../../client/informer.js';
import type { RestClient } from '../../../client/rest.js';
import type { Logger } from '../../../util/logger.js';
import type { VolumeLister } from './match.js';

export interface VolumeInformers {
  lister: VolumeLister;
  /** call f whenever a claim, volume or class changes */
  onChange(f: () => void): void;
}

export async function startVolumeInformers(client: RestClient, log: Logger, signal: AbortSignal): Promise<VolumeInformers> {
  const inf = (path: string) => new Informer(client, { path, pageSize: 5000 }, log);
  const claims = inf('/api/v1/persistentvolumeclaims');
  const volumes = inf('/api/v1/persistentvolumes');
  const classes = inf('/apis/storage.k8s.io/v1/storageclasses');
  const all = [claims, volumes, classes];
  for (const i of all) void i.run(signal);
  await Promise.all(all.map((i) => i.waitForSync()));
  const lister: VolumeLister = {
    claim: (ns, name) => claims.get(`${ns}/${name}`),
    volume: (name) => volumes.get(name),
    volumes: () => volumes.list(),
    storageClass: (name) => classes.get(name),
    patch: (path, body) => client.json<KubeObject>('PATCH', path, body, 'application/merge-patch+json'),
  };
  return {
    lister,
    onChange(f) {
      for (const i of all) i.addHandlers({ add: f, update: f, delete: f });
    },
  };
}
