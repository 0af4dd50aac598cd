import { execFileSync } from 'node:child_process';

/**
 * Builds a zip or tar.gz (base64) from a map of file names to contents, with Python's
 * standard library, so the tests exercise archives made by a tool other than ours.
 */
export function archiveBase64(kind: 'zip' | 'tar.gz', files: Record<string, string>): string {
  const script = `
import base64, io, json, sys, tarfile, zipfile
files = json.loads(sys.stdin.read())
buf = io.BytesIO()
if sys.argv[1] == 'zip':
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items(): z.writestr(name, text)
else:
    with tarfile.open(fileobj=buf, mode='w:gz') as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name); info.size = len(data); info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
sys.stdout.write(base64.b64encode(buf.getvalue()).decode())
`;
  return execFileSync('/usr/bin/python3', ['-c', script, kind], { input: JSON.stringify(files), maxBuffer: 512 * 1024 * 1024 }).toString();
}
