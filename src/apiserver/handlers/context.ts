import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from '../../api/resources.js';
import type { RequestInfo } from '../requestinfo.js';
import type { ResourceRegistry } from '../registry.js';
import type { Store } from '../../storage/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

/** Everything a resource handler needs for one request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  ri: ResourceInfo;
  reg: ResourceRegistry;
  registries: Registries;
  store: Store;
  clock: Clock;
  log: Logger;
  /** Warning headers to add to the response */
  warnings: string[];
}

export interface Registries {
  get(group: string, resource: string): ResourceRegistry | undefined;
  all(): ResourceRegistry[];
}
