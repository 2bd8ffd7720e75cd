// Storage object in-use protection (upstream pvc-protection and pv-protection controllers):
// claims carry the kubernetes.io/pvc-protection finalizer, so a claim deleted while a pod uses
// it stays Terminating until no pod does; volumes carry kubernetes.io/pv-protection, removed
// once the volume is no longer Bound.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import type { NamespaceIndex } from '../runtime/informers.js';
import { isTerminalPod } from '../runtime/objects.js';
import { done, type Result } from '../runtime/result.js';

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';
const MERGE = 'application/merge-patch+json';

function usesClaim(pod: KubeObject, claim: string): boolean {
  return ((pod.spec?.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[]).some((v) => v.persistentVolumeClaim?.claimName === claim);
}

export class StorageProtectionController extends Controller {
  private readonly claims: Informer<KubeObject>;
  private readonly volumes: Informer<KubeObject>;
  private readonly pods: NamespaceIndex<KubeObject>;

  constructor(ctx: ControllerContext, workers = 2) {
    super('storage-protection-controller', ctx, workers);
    this.claims = ctx.informers.informer('/api/v1/persistentvolumeclaims');
    this.volumes = ctx.informers.informer('/api/v1/persistentvolumes');
    this.pods = ctx.informers.byNamespace('/api/v1/pods');
    this.claims.addHandlers({ add: (c) => this.enqueue(`claim/${c.metadata.namespace}/${c.metadata.name}`), update: (_o, c) => this.enqueue(`claim/${c.metadata.namespace}/${c.metadata.name}`) });
    this.volumes.addHandlers({ add: (v) => this.enqueue(`volume/${v.metadata.name}`), update: (_o, v) => this.enqueue(`volume/${v.metadata.name}`) });
    // a pod that goes may free the claims it used
    ctx.informers.informer('/api/v1/pods').addHandlers({
      update: (_o, p) => (isTerminalPod(p) || p.metadata.deletionTimestamp ? this.podGone(p) : undefined),
      delete: (p) => this.podGone(p),
    });
  }

  private podGone(pod: KubeObject): void {
    for (const v of (pod.spec?.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[]) {
      if (v.persistentVolumeClaim?.claimName) this.enqueue(`claim/${pod.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
    }
  }

  async reconcile(key: string): Promise<Result> {
    if (key.startsWith('claim/')) {
      const claim = this.claims.get(key.slice('claim/'.length));
      if (claim) await this.syncClaim(claim);
    } else {
      const pv = this.volumes.get(key.slice('volume/'.length));
      if (pv) await this.syncVolume(pv);
    }
    return done;
  }

  private async syncClaim(claim: KubeObject): Promise<void> {
    const has = claim.metadata.finalizers?.includes(PVC_PROTECTION) ?? false;
    const ns = claim.metadata.namespace!;
    const path = `/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim.metadata.name}`;
    if (!claim.metadata.deletionTimestamp) {
      if (!has) await this.setFinalizers(path, claim, [...(claim.metadata.finalizers ?? []), PVC_PROTECTION]);
      return;
    }
    if (!has || (await this.inUse(ns, claim.metadata.name!))) return;
    await this.setFinalizers(path, claim, (claim.metadata.finalizers ?? []).filter((f) => f !== PVC_PROTECTION));
  }

  private async syncVolume(pv: KubeObject): Promise<void> {
    const has = pv.metadata.finalizers?.includes(PV_PROTECTION) ?? false;
    const path = `/api/v1/persistentvolumes/${pv.metadata.name}`;
    if (!pv.metadata.deletionTimestamp) {
      if (!has) await this.setFinalizers(path, pv, [...(pv.metadata.finalizers ?? []), PV_PROTECTION]);
      return;
    }
    if (has && pv.status?.phase !== 'Bound') await this.setFinalizers(path, pv, (pv.metadata.finalizers ?? []).filter((f) => f !== PV_PROTECTION));
  }

  /**
   * A pod bound to a node uses the claim (finished pods too, as upstream: they still hold it until
   * deleted); an unscheduled one never starts with a claim being deleted. The cache first, then a
   * fresh list before letting go.
   */
  private async inUse(ns: string, claim: string): Promise<boolean> {
    const live = (p: KubeObject) => !!p.spec?.nodeName && usesClaim(p, claim);
    if (this.pods.list(ns).some(live)) return true;
    const fresh = await this.client.json<{ items: KubeObject[] }>('GET', `/api/v1/namespaces/${ns}/pods`);
    return fresh.items.some(live);
  }

  private async setFinalizers(path: string, o: KubeObject, finalizers: string[]): Promise<void> {
    try {
      await this.client.json('PATCH', path, { metadata: { resourceVersion: o.metadata.resourceVersion, finalizers: finalizers.length ? finalizers : null } }, MERGE);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}
