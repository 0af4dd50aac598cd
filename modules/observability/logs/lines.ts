import type { CAPTURE_LEVELS } from '../../meta/policy-kinds/observability';
import type { FunctionLogLineRecord, FunctionLogStream } from '../../meta/function-log-entity';
import type { CapturedLogs } from '../../worker/contract';

export type CaptureLevel = (typeof CAPTURE_LEVELS)[number];

/** Lines kept per stream per attempt; the shims already cap each stream at 256 KiB. */
export const MAX_LINES_PER_STREAM = 1000;
/** Characters kept per line; a longer line is clipped and ends with `…`. */
export const MAX_LINE_CHARS = 8192;

/** One attempt's captured output, as the worker hands it over once the attempt ended. */
export interface AttemptOutput {
  functionName: string;
  version: number;
  invocationId: string;
  attempt: number;
  /** The principal that started the invocation over the API, when one did. */
  caller?: string;
  /** When the output came back. */
  at: Date;
  logs: CapturedLogs;
}

export type LogLineRow = Omit<FunctionLogLineRecord, 'id'>;

/** Which streams a capture level keeps. */
export function capturedStreams(level: CaptureLevel): FunctionLogStream[] {
  return level === 'all' ? ['stdout', 'stderr'] : level === 'stderr' ? ['stderr'] : [];
}

/**
 * The rows one attempt's output becomes under `level`: stdout's lines, then stderr's (the
 * shims capture them apart, so how they interleaved is not known). Bounded: at most
 * MAX_LINES_PER_STREAM lines a stream (then one line saying how many more were not kept) and
 * MAX_LINE_CHARS a line; a NUL becomes U+FFFD (PostgreSQL text cannot hold it). Output the
 * shim already cut (`truncated`) ends with a line saying so, on stderr when stderr is kept.
 */
export function attemptRows(output: AttemptOutput, level: CaptureLevel): LogLineRow[] {
  const streams = capturedStreams(level);
  const rows: LogLineRow[] = [];
  const base = {
    at: output.at, functionName: output.functionName, version: output.version, invocationId: output.invocationId, attempt: output.attempt, caller: output.caller ?? null,
  };
  for (const stream of streams) {
    const lines = splitLines(output.logs[stream]);
    for (const line of lines.slice(0, MAX_LINES_PER_STREAM)) rows.push({ ...base, stream, line: clip(line) });
    if (lines.length > MAX_LINES_PER_STREAM) {
      rows.push({ ...base, stream, line: `[pyfaas] ${lines.length - MAX_LINES_PER_STREAM} more lines of this attempt's ${stream} were not kept (the log keeps ${MAX_LINES_PER_STREAM}).` });
    }
  }
  if (output.logs.truncated && streams.length > 0) {
    rows.push({ ...base, stream: streams.includes('stderr') ? 'stderr' : 'stdout', line: '[pyfaas] output past the capture limit (256 KiB per stream) was dropped.' });
  }
  return rows;
}

/** `a\nb\n` → [a, b]: a final newline ends the last line rather than starting an empty one; CRLF counts as one. */
export function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function clip(line: string): string {
  const clean = line.includes('\u0000') ? line.replace(/\u0000/g, '\uFFFD') : line;
  return clean.length > MAX_LINE_CHARS ? `${clean.slice(0, MAX_LINE_CHARS - 1)}…` : clean;
}
