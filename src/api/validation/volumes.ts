// Pod volume validation: unique DNS-1123 label names and exactly one source per volume.
import { FieldError } from '../errors.js';
import { VOLUME_SOURCES } from '../defaults/pod.js';
import { quantityError, parseQuantity } from '../quantity.js';
import { validateDNS1123Label } from './meta.js';
import type { KeyToPath, Volume } from './shapes.js';
import { isObj } from './shapes.js';

const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function mode(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && (v < 0 || v > 0o777) ? [FieldError.invalid(path, v, FILE_MODE_MSG)] : [];
}

function localPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(FieldError.invalid(path, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(FieldError.invalid(path, p, "must not contain '..'"));
  if (p.startsWith('..')) errs.push(FieldError.invalid(path, p, "must not start with '..'"));
  return errs;
}

function keyToPaths(items: KeyToPath[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((kp, i) => {
    const ip = `${path}[${i}]`;
    if (!kp?.key) errs.push(FieldError.required(`${ip}.key`, ''));
    if (!kp?.path) errs.push(FieldError.required(`${ip}.path`, ''));
    errs.push(...localPath(kp?.path ?? '', `${ip}.path`));
    errs.push(...mode(kp?.mode, `${ip}.mode`));
  });
  return errs;
}

function sourceErrors(v: Volume, kind: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'emptyDir': {
      const sl = v.emptyDir?.sizeLimit;
      if (sl !== undefined && (quantityError(sl) || parseQuantity(sl).nano < 0n)) {
        errs.push(FieldError.forbidden(`${path}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'hostPath': {
      const hp = v.hostPath ?? {};
      if (!hp.path) return [FieldError.required(`${path}.path`, '')];
      if (hp.path.split('/').includes('..')) errs.push(FieldError.invalid(`${path}.path`, hp.path, "must not contain '..'"));
      if (hp.type !== undefined && !HOST_PATH_TYPES.includes(hp.type)) errs.push(FieldError.notSupported(`${path}.type`, hp.type, HOST_PATH_TYPES));
      break;
    }
    case 'secret':
      if (!v.secret?.secretName) errs.push(FieldError.required(`${path}.secretName`, ''));
      errs.push(...mode(v.secret?.defaultMode, `${path}.defaultMode`));
      errs.push(...keyToPaths(v.secret?.items, `${path}.items`));
      break;
    case 'configMap':
      if (!v.configMap?.name) errs.push(FieldError.required(`${path}.name`, ''));
      errs.push(...mode(v.configMap?.defaultMode, `${path}.defaultMode`));
      errs.push(...keyToPaths(v.configMap?.items, `${path}.items`));
      break;
    case 'persistentVolumeClaim':
      if (!v.persistentVolumeClaim?.claimName) errs.push(FieldError.required(`${path}.claimName`, ''));
      break;
    case 'downwardAPI':
      errs.push(...mode(v.downwardAPI?.defaultMode, `${path}.defaultMode`));
      for (const it of v.downwardAPI?.items ?? []) {
        if (!it?.path) errs.push(FieldError.required(`${path}.path`, ''));
        errs.push(...mode(it?.mode, `${path}.mode`));
      }
      break;
    case 'projected':
      errs.push(...mode(v.projected?.defaultMode, `${path}.defaultMode`));
      break;
  }
  return errs;
}

/** Validates spec.volumes; returns the names of well-formed volumes (mounts must name one). */
export function validateVolumes(volumes: Volume[] | undefined, path: string): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>();
  const all: FieldError[] = [];
  (volumes ?? []).forEach((v, i) => {
    const ip = `${path}[${i}]`;
    if (!isObj(v)) return;
    const el: FieldError[] = [];
    let count = 0;
    for (const kind of VOLUME_SOURCES) {
      if (v[kind] === undefined || v[kind] === null) continue;
      if (count > 0) {
        el.push(FieldError.forbidden(`${ip}.${kind}`, 'may not specify more than 1 volume type'));
        continue;
      }
      count++;
      el.push(...sourceErrors(v, kind, `${ip}.${kind}`));
    }
    if (count === 0) el.push(FieldError.required(ip, 'must specify a volume type'));
    const name = v.name ?? '';
    if (!name) el.push(FieldError.required(`${ip}.name`, ''));
    else el.push(...validateDNS1123Label(name, `${ip}.name`));
    if (names.has(name)) el.push(FieldError.duplicate(`${ip}.name`, name));
    if (el.length === 0) names.add(name);
    else all.push(...el);
  });
  return { names, errs: all };
}
