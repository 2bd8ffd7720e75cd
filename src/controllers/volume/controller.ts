// The PersistentVolume controller (upstream persistentvolume-binder-controller), one queue for
// claims ("claim/<ns>/<name>") and volumes ("volume/<name>"):
//   claim, unbound: bind to a volume pre-bound to it or to the smallest matching Available one;
//     none and a WaitForFirstConsumer class without a selected node: wait (WaitForFirstConsumer);
//     none and a class with a provisioner: annotate it for the provisioner (ExternalProvisioning);
//     the volume's claimRef already names it (scheduler or provisioner): finish the binding;
//   claim, bound: Lost when its volume is gone;
//   volume: Available without claimRef (or pre-bound to a claim not there yet); Bound when
//     its claim names it; Released when its claim is gone, then Delete removes it (Retain keeps it).
import type { KubeObject } from '../../api/types.js';
import { claimClass, findMatchingVolume, isBoundToClaim, volumeMismatch } from '../../api/volumematch.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { done, type Result } from '../runtime/result.js';
import {
  BETA_STORAGE_PROVISIONER,
  BIND_COMPLETED,
  BOUND_BY_CONTROLLER,
  SELECTED_NODE,
  STORAGE_PROVISIONER,
  annotateClaim,
  bindClaimToVolume,
  bindVolumeToClaim,
  deleteVolume,
  setClaimPhase,
  setVolumePhase,
  unbindVolume,
} from './binder.js';

const CLAIMS = '/api/v1/persistentvolumeclaims';
const VOLUMES = '/api/v1/persistentvolumes';
const CLASSES = '/apis/storage.k8s.io/v1/storageclasses';

type ClaimRef = { namespace?: string; name?: string; uid?: string };

export class PersistentVolumeController extends Controller {
  private readonly claims: Informer<KubeObject>;
  private readonly volumes: Informer<KubeObject>;
  private readonly classes: Informer<KubeObject>;

  constructor(ctx: ControllerContext, workers = 3) {
    super('persistentvolume-controller', ctx, workers);
    this.claims = ctx.informers.informer(CLAIMS);
    this.volumes = ctx.informers.informer(VOLUMES);
    this.classes = ctx.informers.informer(CLASSES);
    const claimKey = (c: KubeObject) => `claim/${c.metadata.namespace}/${c.metadata.name}`;
    const volumeKey = (v: KubeObject) => `volume/${v.metadata.name}`;
    this.claims.addHandlers({
      add: (c) => this.enqueue(claimKey(c)),
      update: (_o, c) => this.enqueue(claimKey(c)),
      delete: (c) => {
        // the volume bound to it is released
        const pv = c.spec?.volumeName ? this.volumes.get(c.spec.volumeName) : undefined;
        if (pv) this.enqueue(volumeKey(pv));
      },
    });
    this.volumes.addHandlers({
      add: (v) => this.volumeChanged(v),
      update: (_o, v) => this.volumeChanged(v),
      delete: (v) => {
        const ref = v.spec?.claimRef as ClaimRef | undefined;
        if (ref) this.enqueue(`claim/${ref.namespace}/${ref.name}`);
      },
    });
  }

  private volumeChanged(v: KubeObject): void {
    this.enqueue(`volume/${v.metadata.name}`);
    const ref = v.spec?.claimRef as ClaimRef | undefined;
    if (ref) this.enqueue(`claim/${ref.namespace}/${ref.name}`);
    else for (const c of this.claims.list()) if (c.status?.phase === 'Pending' && !c.spec?.volumeName) this.enqueue(`claim/${c.metadata.namespace}/${c.metadata.name}`);
  }

  async reconcile(key: string): Promise<Result> {
    if (key.startsWith('claim/')) {
      const claim = this.claims.get(key.slice('claim/'.length));
      if (claim && !claim.metadata.deletionTimestamp) await this.syncClaim(claim);
    } else {
      const pv = this.volumes.get(key.slice('volume/'.length));
      if (pv && !pv.metadata.deletionTimestamp) await this.syncVolume(pv);
    }
    return done;
  }

  private async syncClaim(claim: KubeObject): Promise<void> {
    const volumeName = claim.spec?.volumeName as string | undefined;
    if (claim.metadata.annotations?.[BIND_COMPLETED] !== undefined) {
      const pv = volumeName ? this.volumes.get(volumeName) : undefined;
      if (!pv) {
        if (claim.status?.phase !== 'Lost') void this.recorder.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
        await setClaimPhase(this.client, claim, 'Lost');
        return;
      }
      if (!isBoundToClaim(pv, claim)) {
        if (pv.spec?.claimRef) {
          if (claim.status?.phase !== 'Lost') void this.recorder.event(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
          await setClaimPhase(this.client, claim, 'Lost');
          return;
        }
        await bindVolumeToClaim(this.client, pv, claim);
      }
      await bindClaimToVolume(this.client, claim, pv, claim.metadata.annotations?.[BOUND_BY_CONTROLLER] === 'yes');
      return;
    }
    if (volumeName) return this.syncPreboundClaim(claim, volumeName);
    const cls = claimClass(claim);
    const sc = cls ? this.classes.get(cls) : undefined;
    const delay = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    const pv = findMatchingVolume(claim, this.volumes.list(), { delayBinding: delay });
    if (pv) {
      const bound = await bindVolumeToClaim(this.client, pv, claim);
      await setVolumePhase(this.client, this.clock, bound, 'Bound');
      await bindClaimToVolume(this.client, claim, bound, true);
      return;
    }
    await setClaimPhase(this.client, claim, 'Pending');
    if (delay && !claim.metadata.annotations?.[SELECTED_NODE]) {
      void this.recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    const provisioner = sc?.provisioner as string | undefined;
    if (sc && provisioner) {
      await annotateClaim(this.client, claim, { [STORAGE_PROVISIONER]: provisioner, [BETA_STORAGE_PROVISIONER]: provisioner });
      void this.recorder.event(
        claim,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      return;
    }
    if (cls && !sc) void this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${cls}" not found`);
    else void this.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
  }

  /** The user named the volume in spec.volumeName. */
  private async syncPreboundClaim(claim: KubeObject, volumeName: string): Promise<void> {
    const pv = this.volumes.get(volumeName);
    if (!pv) {
      await setClaimPhase(this.client, claim, 'Pending');
      return;
    }
    const ref = pv.spec?.claimRef as ClaimRef | undefined;
    if (ref && !isBoundToClaim(pv, claim)) {
      void this.recorder.event(claim, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
      await setClaimPhase(this.client, claim, 'Pending');
      return;
    }
    const why = volumeMismatch(pv, claim);
    if (why && !ref) {
      void this.recorder.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${why}`);
      await setClaimPhase(this.client, claim, 'Pending');
      return;
    }
    const bound = await bindVolumeToClaim(this.client, pv, claim);
    await setVolumePhase(this.client, this.clock, bound, 'Bound');
    await bindClaimToVolume(this.client, claim, bound, false);
  }

  private async syncVolume(pv: KubeObject): Promise<void> {
    const ref = pv.spec?.claimRef as ClaimRef | undefined;
    if (!ref) {
      await setVolumePhase(this.client, this.clock, pv, 'Available');
      return;
    }
    const claim = this.claims.get(`${ref.namespace}/${ref.name}`);
    if (!ref.uid) {
      // pre-bound by the user to a claim that has not bound yet
      if (!claim || claim.spec?.volumeName !== pv.metadata.name) await setVolumePhase(this.client, this.clock, pv, 'Available');
      return;
    }
    if (!claim || claim.metadata.uid !== ref.uid) {
      const released = await setVolumePhase(this.client, this.clock, pv, 'Released');
      if (pv.spec?.persistentVolumeReclaimPolicy === 'Delete') await deleteVolume(this.client, released);
      return;
    }
    const volumeName = claim.spec?.volumeName as string | undefined;
    if (volumeName === pv.metadata.name) {
      await setVolumePhase(this.client, this.clock, pv, 'Bound');
      return;
    }
    if (!volumeName) {
      // reserved for the claim (by us, the scheduler or the provisioner): the claim's sync binds it
      this.enqueue(`claim/${ref.namespace}/${ref.name}`);
      return;
    }
    // the claim went to another volume: a volume we bound is free again
    if (pv.metadata.annotations?.[BOUND_BY_CONTROLLER] === 'yes') await unbindVolume(this.client, this.clock, pv);
    else await setVolumePhase(this.client, this.clock, pv, 'Available');
  }
}
