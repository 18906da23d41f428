// Manifest media types and the few manifest fields cleanup needs.

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

/** Sent on every manifest read: without it registries may answer an older schema or refuse an index. */
export const MANIFEST_ACCEPT = [DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX].join(', ')

export function isIndexType(mediaType: string): boolean {
  return mediaType === DOCKER_LIST || mediaType === OCI_INDEX
}

export interface Descriptor {
  mediaType?: string
  digest: string
  size: number
  /** OCI 1.1: what a referrer holds (a signature, an SBOM, an attestation). */
  artifactType?: string
}

export interface ParsedManifest {
  mediaType: string
  /** For an index: its children. */
  manifests: Descriptor[]
  config?: Descriptor
  layers: Descriptor[]
  /** OCI 1.1 `subject`, when the manifest is itself a referrer. */
  subject?: string
}

/** Parses a manifest body; the media type comes from the body when present, else from Content-Type. */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  const json = JSON.parse(body.toString('utf8')) as {
    mediaType?: string
    manifests?: Descriptor[]
    config?: Descriptor
    layers?: Descriptor[]
    subject?: Descriptor
  }
  const ct = (contentType ?? '').split(';')[0]?.trim() ?? ''
  const mediaType = json.mediaType ?? (ct || (json.manifests ? OCI_INDEX : OCI_MANIFEST))
  return {
    mediaType,
    manifests: Array.isArray(json.manifests) ? json.manifests : [],
    config: json.config,
    layers: Array.isArray(json.layers) ? json.layers : [],
    subject: json.subject?.digest
  }
}
