/** The npm registry documents the Module Hub serves (only the fields PyFaaS reads are typed). */

/** The `pyfaas` manifest as a package.json carries it (unchecked: see modules/package.ts). */
export interface PackageManifestField {
  kind?: unknown;
  id?: unknown;
  platform?: unknown;
  description?: unknown;
  [field: string]: unknown;
}

/** One version's package.json as the registry recorded it at publish. */
export interface VersionManifest {
  name: string;
  version: string;
  description?: string;
  main?: string;
  pyfaas?: PackageManifestField;
  /** Set by `npm deprecate`: why not to use this version. */
  deprecated?: string;
  dist: {
    /** Where the registry serves the tarball (the host the publisher used). */
    tarball: string;
    /** `sha512-<base64>` of the tarball, as the npm CLI computed it at publish. */
    integrity?: string;
    shasum?: string;
  };
  [field: string]: unknown;
}

/** A package's full registry document. */
export interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, VersionManifest>;
  /** ISO times: `created`, `modified`, and one per version. */
  time?: Record<string, string>;
  [field: string]: unknown;
}

/** A search hit that is a PyFaaS module (its latest version has a `pyfaas` manifest). */
export interface HubModuleSummary {
  package: string;
  /** The latest version. */
  version: string;
  kind: string;
  id: string;
  platform?: string;
  description: string;
  /** Every published version, oldest first. */
  versions: string[];
  deprecated?: string;
  publishedAt?: string;
}
