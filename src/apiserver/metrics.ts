// Prometheus metrics, named like kube-apiserver's where one exists.
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Requests served, by verb, group, resource, subresource and HTTP code.',
    labelNames: ['verb', 'group', 'resource', 'subresource', 'code'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Request latency by verb, group, resource and subresource (watches excluded).',
    labelNames: ['verb', 'group', 'resource', 'subresource'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly watches = new Gauge({
    name: 'apiserver_longrunning_requests',
    help: 'Open watch requests by group and resource.',
    labelNames: ['verb', 'group', 'resource'],
    registers: [this.registry],
  });
  readonly watchEventsTotal = new Counter({
    name: 'apiserver_watch_events_total',
    help: 'Watch requests started, by group and resource.',
    labelNames: ['group', 'resource'],
    registers: [this.registry],
  });
  readonly storeLatency = new Histogram({
    name: 'kubelite_storage_operation_duration_seconds',
    help: 'Latency of store operations by operation.',
    labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly objects = new Gauge({
    name: 'apiserver_storage_objects',
    help: 'Objects stored, by resource.',
    labelNames: ['resource'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
