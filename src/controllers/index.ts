// startControllerManager: every controller kubelite runs today, on shared informers.
import type { ControllerContext } from './runtime/controller.js';
import { runControllerManager, type ControllerFactory, type ControllerManager, type ControllerManagerOptions } from './runtime/manager.js';
import { ReplicaSetController } from './replicaset/controller.js';
import { REPLICA_SET, REPLICATION_CONTROLLER } from './replicaset/kind.js';
import { DeploymentController } from './deployment/controller.js';
import { GarbageCollector } from './gc/collector.js';
import { ServiceAccountController } from './serviceaccount/controller.js';
import { JobController } from './job/controller.js';
import { CronJobController } from './cronjob/controller.js';
import { TTLAfterFinishedController } from './ttlafterfinished/controller.js';
import { DaemonSetController } from './daemonset/controller.js';
import { EndpointsController } from './endpoints/controller.js';
import { EndpointSliceController } from './endpointslice/controller.js';
import { StatefulSetController } from './statefulset/controller.js';
import { PersistentVolumeController } from './volume/controller.js';
import { LocalPathProvisioner } from './volume/provisioner.js';
import { StorageProtectionController } from './volume/protection.js';
import { NodeLifecycleController } from './nodelifecycle/controller.js';
import { TaintEvictionController } from './nodelifecycle/eviction.js';
import { PodGCController } from './podgc/controller.js';

export const CONTROLLERS: Readonly<Record<string, ControllerFactory>> = {
  replicaset: (ctx: ControllerContext) => new ReplicaSetController(REPLICA_SET, ctx),
  replicationcontroller: (ctx: ControllerContext) => new ReplicaSetController(REPLICATION_CONTROLLER, ctx),
  deployment: (ctx: ControllerContext) => new DeploymentController(ctx),
  garbagecollector: (ctx: ControllerContext) => new GarbageCollector(ctx),
  serviceaccount: (ctx: ControllerContext) => new ServiceAccountController(ctx),
  job: (ctx: ControllerContext) => new JobController(ctx),
  cronjob: (ctx: ControllerContext) => new CronJobController(ctx),
  ttlafterfinished: (ctx: ControllerContext) => new TTLAfterFinishedController(ctx),
  daemonset: (ctx: ControllerContext) => new DaemonSetController(ctx),
  endpoint: (ctx: ControllerContext) => new EndpointsController(ctx),
  endpointslice: (ctx: ControllerContext) => new EndpointSliceController(ctx),
  statefulset: (ctx: ControllerContext) => new StatefulSetController(ctx),
  'persistentvolume-binder': (ctx: ControllerContext) => new PersistentVolumeController(ctx),
  'local-path-provisioner': (ctx: ControllerContext) => new LocalPathProvisioner(ctx),
  'storage-protection': (ctx: ControllerContext) => new StorageProtectionController(ctx),
  nodelifecycle: (ctx: ControllerContext) => new NodeLifecycleController(ctx),
  tainteviction: (ctx: ControllerContext) => new TaintEvictionController(ctx),
  podgc: (ctx: ControllerContext) => new PodGCController(ctx),
};

export interface StartControllerManagerOptions extends ControllerManagerOptions {
  /** names from CONTROLLERS to run (default: all) */
  controllers?: readonly string[];
}

export function startControllerManager(o: StartControllerManagerOptions, signal: AbortSignal): ControllerManager {
  const names = o.controllers ?? Object.keys(CONTROLLERS);
  const factories = names.map((n) => {
    const f = CONTROLLERS[n];
    if (!f) throw new Error(`unknown controller "${n}" (known: ${Object.keys(CONTROLLERS).join(', ')})`);
    return f;
  });
  return runControllerManager(o, factories, signal);
}

export type { ControllerManager } from './runtime/manager.js';
export type { ControllerSettings } from './runtime/controller.js';
