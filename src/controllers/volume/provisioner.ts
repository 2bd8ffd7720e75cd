// The local-path provisioner (what k3s ships as rancher.io/local-path): for a claim of a class
// with this provisioner and a node chosen by the scheduler (volume.kubernetes.io/selected-node),
// it creates a hostPath volume <nodePath>/<pv>_<namespace>_<claim> pinned to that node by
// nodeAffinity and pre-bound to the claim; the kubelet makes the directory on first use.
// Class parameter nodePath (set by `kubelite server` to <data-dir>/storage) picks the base
// directory. Volumes are named pvc-<claim uid>, as upstream's provisioners name them.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { claimClass } from '../../api/volumematch.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { done, type Result } from '../runtime/result.js';
import { SELECTED_NODE, claimRefOf } from './binder.js';

export const LOCAL_PATH_PROVISIONERS = new Set(['rancher.io/local-path', 'kubelite.io/local-path']);
export const DEFAULT_NODE_PATH = '/var/lib/kubelite/storage';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const LOCAL_PATH_SELECTED_NODE = 'local.path.provisioner/selected-node';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** The volume the provisioner makes for claim on node. */
export function localPathVolume(claim: KubeObject, sc: KubeObject, node: KubeObject | undefined, nodeName: string): KubeObject {
  const name = `pvc-${claim.metadata.uid}`;
  const base = String((sc.parameters as Record<string, string> | undefined)?.nodePath ?? DEFAULT_NODE_PATH).replace(/\/+$/, '');
  const hostname = node?.metadata.labels?.[HOSTNAME_LABEL] ?? nodeName;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [PROVISIONED_BY]: String(sc.provisioner), [LOCAL_PATH_SELECTED_NODE]: nodeName } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: `${base}/${name}_${claim.metadata.namespace}_${claim.metadata.name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [hostname] }] }] } },
      claimRef: claimRefOf(claim),
      ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
    },
  };
}

export class LocalPathProvisioner extends Controller {
  private readonly claims: Informer<KubeObject>;
  private readonly volumes: Informer<KubeObject>;
  private readonly classes: Informer<KubeObject>;
  private readonly nodes: Informer<KubeObject>;

  constructor(ctx: ControllerContext, workers = 2) {
    super('local-path-provisioner', ctx, workers);
    this.claims = ctx.informers.informer('/api/v1/persistentvolumeclaims');
    this.volumes = ctx.informers.informer('/api/v1/persistentvolumes');
    this.classes = ctx.informers.informer('/apis/storage.k8s.io/v1/storageclasses');
    this.nodes = ctx.informers.informer('/api/v1/nodes');
    this.claims.addHandlers({ add: (c) => this.enqueue(c), update: (_o, c) => this.enqueue(c) });
  }

  async reconcile(key: string): Promise<Result> {
    const claim = this.claims.get(key);
    if (!claim || claim.metadata.deletionTimestamp || claim.spec?.volumeName) return done;
    const sc = this.classes.get(claimClass(claim));
    if (!sc || !LOCAL_PATH_PROVISIONERS.has(String(sc.provisioner))) return done;
    if (this.volumes.get(`pvc-${claim.metadata.uid}`)) return done;
    const nodeName = claim.metadata.annotations?.[SELECTED_NODE];
    if (!nodeName) {
      // local volumes live on one node: only the scheduler can say which
      if (sc.volumeBindingMode !== 'WaitForFirstConsumer') {
        void this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": configuration error, no node was specified`);
      }
      return done;
    }
    const pv = localPathVolume(claim, sc, this.nodes.get(nodeName), nodeName);
    void this.recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    try {
      await this.client.json('POST', '/api/v1/persistentvolumes', pv);
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) return done;
      void this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${(err as Error).message}`);
      throw err;
    }
    void this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
    return done;
  }
}
