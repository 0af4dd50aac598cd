import { execFile } from 'node:child_process';
import { InputError, SetupError } from '../../../common/errors';
import { python3Path } from '../interpreters';

/**
 * requirements.txt accepted only as package requirements: each line is parsed with
 * `packaging` (the parser pip itself uses), and pip is then given a file rebuilt from the
 * parsed requirements, never the uploaded one. So none of pip's requirements-file features
 * reach it: option lines (`-r`, `-c`, `-e`, `--index-url`, `--pre`, `--find-links`…),
 * per-requirement options (`--hash`, `--config-settings`), line continuations, local paths
 * and archives, and URLs (`name @ url`) unless a runtime policy allows https URLs.
 */

/** How much of an offending line an error quotes. */
export const QUOTED_CHARS = 100;
const MAX_REPORTED = 10;
const MAX_REQUIREMENTS = 500;
const MAX_BYTES = 256 * 1024;

/**
 * Reads the text on stdin and prints one JSON object: the requirements as packaging
 * renders them, and per refused line its number and reason code. Trusted code: it only
 * parses strings, it never imports or opens anything the text names.
 */
const PARSE_SCRIPT = `
import json, re, sys
try:
    from packaging.requirements import Requirement, InvalidRequirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement, InvalidRequirement
allow_urls = sys.argv[1] == "1"
archive = re.compile(r"\\.(whl|zip|tar|tgz|tbz|txz|tlz|tar\\.gz|tar\\.bz2|tar\\.xz|tar\\.lz|tar\\.lzma)$", re.I)
looks_like_url = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
comment = re.compile(r"(^|\\s)#.*$")
requirements, refused = [], []
for number, raw in enumerate(sys.stdin.read().split("\\n"), 1):
    line = comment.sub("", raw).strip()
    if not line:
        continue
    def refuse(reason):
        refused.append({"line": number, "reason": reason, "text": raw.strip()})
    if "\\0" in line:
        refuse("nul")
    elif line.startswith("-"):
        refuse("option")
    elif line.endswith("\\\\"):
        refuse("continuation")
    else:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            if looks_like_url.match(line) and not re.match(r"^[A-Za-z]:[\\\\/]", line):
                refuse("url")
            elif line.startswith((".", "/", "~")) or "/" in line or "\\\\" in line or archive.search(line):
                refuse("path")
            else:
                refuse("syntax")
            continue
        if req.url is not None and not allow_urls:
            refuse("url")
            continue
        if req.url is not None and not req.url.lower().startswith("https://"):
            refuse("url-scheme")
            continue
        if archive.search(req.name):
            refuse("path")
            continue
        requirements.append(str(req))
print(json.dumps({"requirements": requirements, "refused": refused}))
`;

const REASONS: Record<string, string> = {
  nul: 'it contains a NUL character',
  option: 'option lines (-r, -c, -e, --index-url, --pre…) are not allowed; list package requirements only, such as "six==1.16.0"',
  continuation: 'line continuations are not allowed; put each requirement on one line',
  url: 'URLs are not allowed; name a package from the index, such as "six==1.16.0"',
  'url-scheme': 'only https:// URLs are allowed',
  path: 'local paths and archives are not allowed; name a package from the index, such as "six==1.16.0"',
  syntax: 'it is not a valid requirement specifier (PEP 508, such as "six==1.16.0" or "requests[socks]>=2; python_version>=\'3.8\'")',
};

interface ParseOutput {
  requirements: string[];
  refused: Array<{ line: number; reason: string; text: string }>;
}

/** A line's own text as an error quotes it: one line, at most QUOTED_CHARS characters. */
function quote(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > QUOTED_CHARS ? `${clean.slice(0, QUOTED_CHARS)}…` : clean);
}

/**
 * The requirements of a requirements.txt, each re-rendered by `packaging`, ready to be
 * written to the file pip reads. Throws InputError naming each refused line by number and
 * reason (quoting only that line, shortened), SetupError when the parser cannot run.
 * `allowUrls` lets `name @ https://…` through, for a runtime policy that allows them.
 */
export async function parseRequirements(text: string, { allowUrls = false } = {}): Promise<string[]> {
  if (Buffer.byteLength(text, 'utf8') > MAX_BYTES) throw new InputError(`requirements.txt is larger than ${MAX_BYTES / 1024} KiB.`);
  const parsed = await runParser(text, allowUrls);
  if (parsed.refused.length > 0) {
    const lines = parsed.refused.slice(0, MAX_REPORTED).map((r) => `line ${r.line}: ${REASONS[r.reason] ?? r.reason}: ${quote(r.text)}`);
    const more = parsed.refused.length > MAX_REPORTED ? `\n(and ${parsed.refused.length - MAX_REPORTED} more lines)` : '';
    throw new InputError(`requirements.txt was refused:\n${lines.join('\n')}${more}`);
  }
  if (parsed.requirements.length > MAX_REQUIREMENTS) throw new InputError(`requirements.txt lists more than ${MAX_REQUIREMENTS} requirements.`);
  return parsed.requirements;
}

/** The clean requirements file pip reads: one parsed requirement a line. */
export function requirementsFile(requirements: string[]): string {
  return requirements.map((requirement) => `${requirement}\n`).join('');
}

function runParser(text: string, allowUrls: boolean): Promise<ParseOutput> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      python3Path(),
      ['-I', '-B', '-c', PARSE_SCRIPT, allowUrls ? '1' : '0'],
      { timeout: 30_000, maxBuffer: 8 * 1024 * 1024, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } },
      (err, stdout, stderr) => {
        if (err) {
          reject(new SetupError(`The requirements.txt parser could not run: ${String(stderr).trim().slice(-500) || err.message}`));
          return;
        }
        try {
          resolve(JSON.parse(String(stdout)) as ParseOutput);
        } catch {
          reject(new SetupError('The requirements.txt parser printed something other than its JSON answer.'));
        }
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(text, 'utf8');
  });
}
