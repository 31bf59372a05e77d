/**
 * Makes sure the Chromium the browser tests drive is present: Debian's `chromium`
 * (or CHROMIUM_PATH). When it is missing and we run as root, it installs it with
 * apt-get; otherwise it stops with one line saying what to install.
 */
import { accessSync, constants } from 'node:fs'
import { spawnSync } from 'node:child_process'

const path = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

function present(): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    // not there (or not executable): the caller decides what to do
    return false
  }
}

if (!present()) {
  if (process.env['CHROMIUM_PATH'] !== undefined) {
    console.error(`Chromium not found at CHROMIUM_PATH=${path}: point it at a Chromium binary.`)
    process.exit(1)
  }
  if (process.getuid?.() !== 0) {
    console.error('Chromium is missing: install it with `sudo apt-get install -y chromium` (or set CHROMIUM_PATH), then run the tests again.')
    process.exit(1)
  }
  console.log('Chromium is missing; installing Debian’s chromium with apt-get…')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const res = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env })
    if (res.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed (exit ${res.status}); install Chromium by hand: apt-get install -y chromium`)
      process.exit(1)
    }
  }
  if (!present()) {
    console.error(`apt-get installed chromium but ${path} is still missing; set CHROMIUM_PATH.`)
    process.exit(1)
  }
}
