import type { FilterQuery } from '@mikro-orm/core';
import { FunctionLogLineSchema, type FunctionLogLineRecord, type FunctionLogStream } from '../../meta/function-log-entity';
import type { MetaStore } from '../../meta/store';
import { toCursor, type LogCursor } from './cursor';
import type { LogStart } from './query';

/** Which lines a reader sees. */
export interface LogFilter {
  functionName: string;
  invocationId?: string;
  stream?: FunctionLogStream;
  /** Only the lines of invocations this principal started (a reader without `invocation:read-any`). */
  caller?: string;
}

/** One line as the API shows it. */
export interface FunctionLogLineView {
  /** ISO 8601 (UTC): when the attempt's output came back. */
  at: string;
  invocationId: string;
  version: number;
  attempt: number;
  stream: FunctionLogStream;
  line: string;
}

export interface FunctionLogPage {
  /** Oldest first (newest last). */
  items: FunctionLogLineView[];
  /** Pass as `after` (or `since`) for the lines that come after these; present on every page. */
  next: LogCursor;
}

/** A page with each line's cursor (the SSE event ids). */
export interface CursoredPage {
  lines: Array<{ cursor: LogCursor; view: FunctionLogLineView }>;
  next: LogCursor;
}

const DELETE_CHUNK = 5000;

/** Reads and deletes the function log (the rows FunctionLogWriter stores). */
export class FunctionLogStore {
  constructor(private readonly store: MetaStore) {}

  /**
   * After a cursor: the first `limit` lines after it (paging forward leaves no gap). From a
   * time, or from nothing: the last `limit` lines at or after it. Either way oldest first.
   */
  async page(filter: LogFilter, start: LogStart, limit: number): Promise<CursoredPage> {
    const where = whereOf(filter);
    let rows: FunctionLogLineRecord[];
    if (start && 'after' in start) {
      rows = await this.store.em().find(FunctionLogLineSchema, { ...where, id: { $gt: start.after } }, { orderBy: { id: 'asc' }, limit });
    } else {
      if (start) where.at = { $gte: start.at };
      rows = (await this.store.em().find(FunctionLogLineSchema, where, { orderBy: { id: 'desc' }, limit })).reverse();
    }
    const lines = rows.map((row) => ({ cursor: toCursor(row.id), view: toView(row) }));
    if (lines.length > 0) return { lines, next: lines[lines.length - 1].cursor };
    return { lines, next: start && 'after' in start ? toCursor(start.after) : toCursor(await this.lastId()) };
  }

  /** The page as the API answers it. */
  async list(filter: LogFilter, start: LogStart, limit: number): Promise<FunctionLogPage> {
    const { lines, next } = await this.page(filter, start, limit);
    return { items: lines.map((l) => l.view), next };
  }

  /** Deletes the lines stored before `cutoff` (retention), a chunk at a time so no statement holds the table long; answers how many. */
  async deleteBefore(cutoff: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = (await this.store.em().find(FunctionLogLineSchema, { at: { $lt: cutoff } }, { fields: ['id'], orderBy: { id: 'asc' }, limit: DELETE_CHUNK })).map((r) => r.id);
      if (ids.length === 0) return removed;
      removed += await this.store.em().nativeDelete(FunctionLogLineSchema, { id: { $in: ids } });
      if (ids.length < DELETE_CHUNK) return removed;
    }
  }

  /** The newest line's id in the whole log (0 when empty): "from now on" for a reader that saw nothing. */
  private async lastId(): Promise<number> {
    const newest = await this.store.em().find(FunctionLogLineSchema, {}, { fields: ['id'], orderBy: { id: 'desc' }, limit: 1 });
    return newest[0]?.id ?? 0;
  }
}

type LogWhere = Extract<FilterQuery<FunctionLogLineRecord>, { functionName?: unknown }>;

function whereOf(filter: LogFilter): LogWhere {
  const where: LogWhere = { functionName: filter.functionName };
  if (filter.invocationId !== undefined) where.invocationId = filter.invocationId;
  if (filter.stream !== undefined) where.stream = filter.stream;
  if (filter.caller !== undefined) where.caller = filter.caller;
  return where;
}

function toView(row: FunctionLogLineRecord): FunctionLogLineView {
  return { at: row.at.toISOString(), invocationId: row.invocationId, version: row.version, attempt: row.attempt, stream: row.stream, line: row.line };
}
