// The node's half of local-path storage: when a volume the local-path provisioner made for this
// node is deleted (its claim went and the reclaim policy is Delete), its directory goes too, as
// k3s' provisioner does with a helper pod. Only directories named the provisioner's way
// (pvc-<uid>_<namespace>_<claim>) are removed, so a hand-made hostPath volume is never touched.
import { rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, normalize } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { Informer } from '../../client/informer.js';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/logger.js';

const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const LOCAL_PATH = new Set(['rancher.io/local-path', 'kubelite.io/local-path']);

type Term = { matchExpressions?: { key?: string; operator?: string; values?: string[] }[] };

/** The directory to remove when pv is deleted, if it is a local-path volume of nodeName. */
export function localPathDirToRemove(pv: KubeObject, nodeName: string): string | undefined {
  if (!LOCAL_PATH.has(pv.metadata.annotations?.[PROVISIONED_BY] ?? '')) return undefined;
  if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return undefined;
  const path = pv.spec?.hostPath?.path as string | undefined;
  // the root kubelet deletes recursively: only a normalized absolute path below some folder, whose
  // last element is the provisioner's own pvc-<uid>_<namespace>_<claim> for this very volume
  if (!path || !isAbsolute(path) || normalize(path) !== path || dirname(path) === '/') return undefined;
  if (!/^pvc-[0-9a-f-]{36}$/.test(pv.metadata.name ?? '') || !basename(path).startsWith(`${pv.metadata.name}_`)) return undefined;
  const terms = (pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) as Term[];
  const mine = terms.some((t) => (t.matchExpressions ?? []).some((e) => e.key === 'kubernetes.io/hostname' && e.operator === 'In' && e.values?.includes(nodeName)));
  return mine ? path : undefined;
}

/** Watch volumes until signal aborts; remove this node's directory of each deleted local-path volume. */
export function startLocalPathCleaner(client: RestClient, nodeName: string, log: Logger, signal: AbortSignal): void {
  const volumes = new Informer(client, { path: '/api/v1/persistentvolumes', pageSize: 500 }, log);
  volumes.addHandlers({
    delete: (pv) => {
      const dir = localPathDirToRemove(pv, nodeName);
      if (!dir) return;
      // asynchronously: a large volume must not stall the agent's event loop
      rm(dir, { recursive: true, force: true }).then(
        () => log.info({ volume: pv.metadata.name, dir }, 'removed the directory of a deleted local-path volume'),
        (err: Error) => log.warn({ volume: pv.metadata.name, dir, err: err.message }, 'could not remove the directory of a deleted local-path volume'),
      );
    },
  });
  void volumes.run(signal);
}
