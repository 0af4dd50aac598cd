/**
 * Bundles the web console (console/src, preact + htm + uPlot) into dist/console: app-<hash>.js
 * and app-<hash>.css, named by content so the API can let browsers keep them for good, and
 * index.html, which names them and is revalidated on every load. Run by `npm run build`.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, '..', 'dist', 'console');
const started = Date.now();
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: [path.join(here, 'src', 'app.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  entryNames: '[name]-[hash]',
  outdir,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const js = outputs.find((name) => name.endsWith('.js'));
const css = outputs.find((name) => name.endsWith('.css'));
if (!js || !css) throw new Error(`esbuild wrote ${outputs.join(', ')}: expected one .js and one .css`);
const page = readFileSync(path.join(here, 'index.html'), 'utf8').replace('{{js}}', js).replace('{{css}}', css);
writeFileSync(path.join(outdir, 'index.html'), page);
const size = (name) => `${name} ${(readFileSync(path.join(outdir, name)).length / 1024).toFixed(1)} KB`;
console.log(`console: ${size(js)}, ${size(css)}, index.html in ${Date.now() - started} ms`);
