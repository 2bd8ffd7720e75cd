// Table for core/v1 Event.
import type { KubeObject } from '../../api/types.js';
import { translateTimestampSince } from './duration.js';
import { column, wide, type TablePrinter } from './types.js';

interface EventShape {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

/** Source cell: component (or reporting controller), then `, host` (or reporting instance) when known. */
export function eventSource(e: EventShape): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: TablePrinter = {
  columns: [
    column('Last Seen', 'string', 'Time since the event was last observed.'),
    column('Type', 'string', 'Event type: Normal or Warning.'),
    column('Reason', 'string', 'Short machine-readable reason for the event.'),
    column('Object', 'string', 'Object the event is about, as kind/name.'),
    wide('Subobject', 'string', 'Field path inside the object, such as a specific container.'),
    wide('Source', 'string', 'Component (and host) that reported the event.'),
    column('Message', 'string', 'Human-readable description of the event.'),
    wide('First Seen', 'string', 'Time since the event was first observed.'),
    wide('Count', 'string', 'How many times the event has occurred.'),
    column('Name', 'string', 'Name of the event object.', { format: 'name', priority: 1 }),
  ],
  cells(o: KubeObject, now: number) {
    const e = o as unknown as EventShape;
    const first = e.firstTimestamp ? translateTimestampSince(e.firstTimestamp, now) : translateTimestampSince(e.eventTime, now);
    let last = e.lastTimestamp ? translateTimestampSince(e.lastTimestamp, now) : first;
    let count = e.count ?? 0;
    if (e.series) {
      last = translateTimestampSince(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) {
      count = 1; // singleton events from the events.k8s.io API carry no count
    }
    const kind = (e.involvedObject?.kind ?? '').toLowerCase();
    const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
    return [
      last,
      e.type ?? '',
      e.reason ?? '',
      target,
      e.involvedObject?.fieldPath ?? '',
      eventSource(e),
      (e.message ?? '').trim(),
      first,
      count,
      o.metadata.name ?? '',
    ];
  },
};
