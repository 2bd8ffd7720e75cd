// Table for discovery.k8s.io EndpointSlice (kubectl: Name, AddressType, Ports, Endpoints, Age).
import { translateTimestampSince } from './duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type TablePrinter } from './types.js';

const MAX_LISTED = 3;

/** Up to three entries, then ` + N more...`; `<unset>` when there are none. */
function listWithMore(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(',');
  if (items.length > MAX_LISTED) return `${shown} + ${items.length - MAX_LISTED} more...`;
  return shown === '' ? '<unset>' : shown;
}

interface SlicePort {
  port?: number;
  name?: string;
}

/** A port number, its name when it has no number, or `*`. */
export function formatSlicePorts(ports: SlicePort[] | undefined): string {
  return listWithMore((ports ?? []).map((p) => (typeof p.port === 'number' ? String(p.port) : p.name !== undefined ? p.name : '*')));
}

export function formatSliceEndpoints(endpoints: { addresses?: string[] }[] | undefined): string {
  return listWithMore((endpoints ?? []).flatMap((e) => e.addresses ?? []));
}

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'string', 'Kind of address in the slice: IPv4, IPv6 or FQDN.'),
    column('Ports', 'string', 'Ports exposed by the endpoints of the slice.'),
    column('Endpoints', 'string', 'Addresses of the endpoints in the slice.'),
    AGE_COLUMN,
  ],
  cells: (o, now) => [
    o.metadata.name ?? '',
    typeof o.addressType === 'string' ? o.addressType : '',
    formatSlicePorts(o.ports as SlicePort[] | undefined),
    formatSliceEndpoints(o.endpoints as { addresses?: string[] }[] | undefined),
    translateTimestampSince(o.metadata.creationTimestamp, now),
  ],
};
