/** What the installModule workflow, its activities and the API share. */

export interface InstallModuleInput {
  package: string;
  version: string;
  /** The principal that asked (kept on the record and in the audit log). */
  requestedBy: string;
  /** How long to wait for every live process to serve it before giving up and rolling back. */
  everywhereTimeoutMs?: number;
}

/** A module that passed every check, ready to record. */
export interface CheckedModule {
  kind: string;
  id: string;
  package: string;
  version: string;
  /** npm's `dist.integrity` of the tarball (sha512-…), checked on every process that loads it. */
  integrity: string;
  /** The trusted key that signed it; null when the policy allowed it unsigned. */
  signerKeyId: string | null;
}

export interface InstallProgress {
  package: string;
  version: string;
  status: 'running' | 'succeeded' | 'failed';
  steps: Array<{ name: string; status: 'pending' | 'running' | 'done' | 'failed' | 'compensated'; error?: string }>;
  module?: CheckedModule;
  /** The version it replaced (an upgrade or a rollback), if any. */
  previousVersion?: string;
  /** Per live process: when it served the module, ms after the record was written. */
  processes?: Array<{ processId: string; roles: string; host: string }>;
  /** From the record written to the last live process serving it. */
  everywhereMs?: number;
  error?: { code: string; message: string; details?: unknown };
}
