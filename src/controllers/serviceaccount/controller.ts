// The service account controller: every namespace that is not terminating has a
// ServiceAccount named "default" (recreated if deleted), as kube-controller-manager ensures.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { done, type Result } from '../runtime/result.js';

export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

export class ServiceAccountController extends Controller {
  private readonly namespaces: Informer<KubeObject>;
  private readonly accounts: Informer<KubeObject>;

  constructor(ctx: ControllerContext, workers = 2) {
    super('serviceaccount-controller', ctx, workers);
    this.namespaces = ctx.informers.informer('/api/v1/namespaces');
    this.accounts = ctx.informers.informer('/api/v1/serviceaccounts');
    this.namespaces.addHandlers({ add: (ns) => this.enqueue(ns.metadata.name!), update: (_o, ns) => this.enqueue(ns.metadata.name!) });
    this.accounts.addHandlers({
      delete: (sa) => {
        if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata.name!)) this.enqueue(sa.metadata.namespace!);
      },
    });
  }

  async reconcile(namespace: string): Promise<Result> {
    const ns = this.namespaces.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return done;
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.accounts.get(`${namespace}/${name}`)) continue;
      try {
        await this.client.json('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
      } catch (err) {
        // AlreadyExists: our cache is behind; Forbidden/NotFound: the namespace is going away
        if (err instanceof ApiError && (err.code === 409 || err.code === 403 || err.code === 404)) continue;
        throw err;
      }
    }
    return done;
  }
}
