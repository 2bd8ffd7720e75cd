// OCI image layout archives (image-spec v1.1): oci-layout, index.json and content-addressed
// blobs (config, manifest, layers) in one tar, as `ctr images import` and skopeo read them.
// Also reads such an archive back (names and config digests) without unpacking it.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createTar, listTar, readTarMember, type TarEntry } from './tar.js';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
}

export interface OciImageSpec {
  /** full reference, e.g. kubelite.local/busybox:1.36 */
  name: string;
  /** layer tars, uncompressed; each is stored gzip-compressed unless compress is false */
  layers: Buffer[];
  config: ImageRuntimeConfig;
  compress?: boolean;
  /** RFC 3339; fixed by default so that builds are reproducible */
  created?: string;
  architecture?: string;
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** GOARCH names, as OCI platforms use them. */
export function ociArchitecture(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[arch] ?? arch;
}

/** The tag part of a reference ("1.36" of "kubelite.local/busybox:1.36"; "latest" if none). */
export function refTag(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > lastSlash ? name.slice(colon + 1) : 'latest';
}

function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

export interface BuiltImage {
  archive: Buffer;
  manifestDigest: string;
  /** the image id as CRI reports it */
  configDigest: string;
}

export function buildOciArchive(spec: OciImageSpec): BuiltImage {
  const compress = spec.compress ?? true;
  const architecture = spec.architecture ?? ociArchitecture();
  const created = spec.created ?? '2024-01-01T00:00:00Z';
  const blobs = new Map<string, Buffer>();
  const add = (data: Buffer, mediaType: string): Descriptor => {
    const digest = sha256(data);
    blobs.set(digest, data);
    return { mediaType, digest, size: data.length };
  };

  const layerDescs = spec.layers.map((tar) => add(compress ? gzipSync(tar, { level: 9 }) : tar, compress ? MEDIA_TYPES.layerGzip : MEDIA_TYPES.layerTar));
  const config = {
    created,
    architecture,
    os: 'linux',
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => sha256(l)) },
    history: spec.layers.map(() => ({ created, created_by: 'kubelite build-images' })),
  };
  const configDesc = add(json(config), MEDIA_TYPES.config);
  const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config: configDesc, layers: layerDescs };
  const manifestDesc = add(json(manifest), MEDIA_TYPES.manifest);
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        ...manifestDesc,
        platform: { architecture, os: 'linux' },
        annotations: { [ANNOTATION_IMAGE_NAME]: spec.name, [ANNOTATION_REF_NAME]: refTag(spec.name) },
      },
    ],
  };

  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', data: json({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', data: json(index) },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
  ];
  for (const [digest, data] of blobs) entries.push({ type: 'file', path: `blobs/sha256/${digest.slice('sha256:'.length)}`, data });
  return { archive: createTar(entries), manifestDigest: manifestDesc.digest, configDigest: configDesc.digest };
}

export interface ArchiveImage {
  name: string;
  manifestDigest: string;
  configDigest: string;
}

/**
 * The named images in an uncompressed OCI layout archive, with their config digests (the
 * image ids CRI reports). Images without a name annotation are left out; an archive that is
 * not an OCI layout (e.g. a docker-save tar) gives an empty list.
 */
export function readOciArchiveImages(file: string): ArchiveImage[] {
  const members = new Map(listTar(file).map((m) => [m.path, m]));
  const indexMember = members.get('index.json');
  if (!indexMember) return [];
  const index = JSON.parse(readTarMember(file, indexMember).toString('utf8')) as { manifests?: Descriptor[] };
  const out: ArchiveImage[] = [];
  for (const d of index.manifests ?? []) {
    const name = d.annotations?.[ANNOTATION_IMAGE_NAME];
    if (!name || d.mediaType !== MEDIA_TYPES.manifest) continue;
    const m = members.get(`blobs/sha256/${d.digest.slice('sha256:'.length)}`);
    if (!m) continue;
    const manifest = JSON.parse(readTarMember(file, m).toString('utf8')) as { config?: Descriptor };
    if (manifest.config) out.push({ name, manifestDigest: d.digest, configDigest: manifest.config.digest });
  }
  return out;
}
