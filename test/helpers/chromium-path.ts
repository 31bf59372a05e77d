/** Where Chromium is; `CHROMIUM_PATH` overrides. Debian's package installs it here. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
