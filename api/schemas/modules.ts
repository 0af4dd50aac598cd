import { z } from 'zod';
import { MODULE_KINDS } from '../../modules/model';
import { isoDateTimeSchema } from './common';

export const moduleViewSchema = z
  .object({
    kind: z.enum(MODULE_KINDS),
    id: z.string(),
    version: z.string(),
    description: z.string(),
    platform: z.string().describe('The PyFaaS versions it supports (semver range)'),
    source: z.enum(['built-in', 'hub']),
    package: z.string().optional().describe('The hub package (hub modules)'),
    integrity: z.string().optional().describe("The tarball's sha512 integrity, checked on every process"),
    signerKeyId: z.string().nullish().describe('The trusted key that signed it; null when the policy allowed it unsigned'),
    installedBy: z.string().optional(),
    installedAt: isoDateTimeSchema.optional(),
    dependencies: z.record(z.string()).describe('kind/id → semver range'),
    configSchema: z.record(z.unknown()).optional().describe("JSON Schema of the module's configuration"),
    usedBy: z.array(z.string()).describe('function:<name>, trigger:<name>, policy:<kind> — uninstall is refused while this is not empty'),
  })
  .describe('A module this platform serves');

export const moduleListSchema = z.object({ items: z.array(moduleViewSchema) }).describe('Built-in and installed modules');

export const installationSchema = z
  .object({
    installationId: z.string().describe('The installModule workflow id, install-module-<package>: one install per package at a time (409 MODULE_INSTALL_RUNNING); reading it shows the latest'),
    package: z.string(),
    version: z.string(),
    status: z.enum(['running', 'succeeded', 'failed']),
    steps: z.array(z.object({ name: z.string(), status: z.string(), error: z.string().optional() })).describe('Empty when the answer did not wait'),
    module: z.object({ kind: z.string(), id: z.string(), package: z.string(), version: z.string(), integrity: z.string(), signerKeyId: z.string().nullable() }).optional(),
    previousVersion: z.string().optional().describe('The version it replaced'),
    processes: z.array(z.object({ processId: z.string(), roles: z.string(), host: z.string() })).optional().describe('The live processes serving it'),
    everywhereMs: z.number().optional().describe('From the record written to the last live process serving it'),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }).optional(),
  })
  .describe("An install's progress or outcome");

export const hubModuleSchema = z
  .object({
    package: z.string(),
    version: z.string().describe('The latest version'),
    kind: z.string(),
    id: z.string(),
    platform: z.string().optional(),
    description: z.string(),
    versions: z.array(z.string()).describe('Every published version, oldest first'),
    deprecated: z.string().optional().describe("Why not to use the latest version (npm deprecate)"),
    publishedAt: z.string().optional(),
  })
  .describe('A module package in the hub');

export const hubSearchSchema = z.object({ items: z.array(hubModuleSchema) }).describe('Hub packages with a pyfaas manifest');
