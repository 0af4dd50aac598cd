export { DEFAULT_ARCHIVE_LIMITS, extractArchive, type ArchiveFormat, type ArchiveLimits } from './archive';
export { ArtifactStore, type CodeBuilder, type PrepareOptions, type StoredCode } from './artifact-store';
export { decodeCodeSource, type CodeSource, type DecodedCode } from './code-source';
export { CODE_HASH_PATTERN, hashDirectory, hashInlineFile } from './hash';
