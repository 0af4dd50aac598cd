import { existsSync } from 'node:fs';
import type { Logger } from '../../common/logger';
import { SetupError } from '../../common/errors';
import { ensureDebianPackages, type DebianPackage } from './debian-packages';

/** Where Debian's chromium package puts the browser (a wrapper script that sets its flags). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Fonts the console's screenshots are drawn with (a bare machine may have none). */
const FONTS_PACKAGE: DebianPackage = {
  name: 'fonts-liberation',
  present: () => existsSync('/usr/share/fonts/truetype/liberation'),
};

/** Debian's chromium: the real browser the web console is tested in (playwright-core drives it; nothing is downloaded). */
export const CHROMIUM_PACKAGE: DebianPackage = {
  name: 'chromium',
  present: () => existsSync(CHROMIUM_PATH),
  with: [FONTS_PACKAGE],
};

/**
 * Installs Debian's chromium (and a font) when missing, with `apt-get update` first, and
 * returns the browser's path. Idempotent: once installed it only checks. Called on demand by
 * the browser test's setup, not by `provision()` (the platform itself never needs a browser).
 * Throws SetupError when not root or apt fails (ensureDebianPackages names the command to run).
 */
export async function ensureChromium(logger: Logger): Promise<string> {
  await ensureDebianPackages([CHROMIUM_PACKAGE], logger);
  if (!existsSync(CHROMIUM_PATH)) throw new SetupError(`chromium was installed but ${CHROMIUM_PATH} does not exist.`);
  return CHROMIUM_PATH;
}
