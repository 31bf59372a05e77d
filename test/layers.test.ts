/**
 * The layer checker itself: the dependency-cruiser config that `npm test` runs must fail
 * when a lower folder imports a higher one, on cycles, and on third-party imports
 * outside their one allowed folder — and pass on a tree that keeps the rules.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const config = join(root, '.dependency-cruiser.cjs')
const depcruise = join(root, 'node_modules/.bin/depcruise')
const made: string[] = []

/** Writes a tree of files into a fresh folder and runs the layer check on its src/. */
function check(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'phr-layers-'))
  made.push(dir)
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }))
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), body)
  }
  const res = spawnSync(depcruise, ['--config', config, '--output-type', 'err', 'src'], { cwd: dir, encoding: 'utf8' })
  return { status: res.status, out: `${res.stdout}${res.stderr}` }
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

describe('layer check', () => {
  it('passes a tree whose imports only go down the list', () => {
    const res = check({
      'src/lib/index.ts': 'export const x = 1\n',
      'src/crypto/index.ts': "import { x } from '../lib/index.ts'\nexport const y = x\n",
      'src/envelope/index.ts': "import { y } from '../crypto/index.ts'\nexport const z = y\n",
      'src/app/index.ts': "import { z } from '../envelope/index.ts'\nexport const a = z\n",
      'src/ui/index.ts': "import { a } from '../app/index.ts'\nexport const b = a\n"
    })
    expect(res.out).toContain('no dependency violations')
    expect(res.status).toBe(0)
  })

  it('fails when lib imports crypto', () => {
    const res = check({
      'src/lib/index.ts': "import { y } from '../crypto/index.ts'\nexport const x = y\n",
      'src/crypto/index.ts': 'export const y = 1\n'
    })
    expect(res.status).not.toBe(0)
    expect(res.out).toContain('layer-lib')
  })

  it('fails when record imports crypto (record may import only lib)', () => {
    const res = check({
      'src/record/index.ts': "import { y } from '../crypto/index.ts'\nexport const r = y\n",
      'src/crypto/index.ts': 'export const y = 1\n'
    })
    expect(res.status).not.toBe(0)
    expect(res.out).toContain('layer-record')
  })

  it('fails when the app imports the UI', () => {
    const res = check({
      'src/app/index.ts': "import { b } from '../ui/index.ts'\nexport const a = b\n",
      'src/ui/index.ts': 'export const b = 1\n'
    })
    expect(res.status).not.toBe(0)
    expect(res.out).toContain('layer-app')
  })

  it('fails on an import cycle inside one folder', () => {
    const res = check({
      'src/sync/a.ts': "import { b } from './b.ts'\nexport const a = () => b\n",
      'src/sync/b.ts': "import { a } from './a.ts'\nexport const b = () => a\n"
    })
    expect(res.status).not.toBe(0)
    expect(res.out).toContain('no-circular')
  })

  it('fails when a folder other than crypto imports @noble', () => {
    const res = check({ 'src/envelope/index.ts': "import { ed25519 } from '@noble/curves/ed25519.js'\nexport const e = ed25519\n" })
    expect(res.status).not.toBe(0)
    expect(res.out).toContain('crypto-only-in-crypto')
  })

  it('fails when a folder other than record imports yjs', () => {
    const res = check({ 'src/sync/index.ts': "import * as Y from 'yjs'\nexport const d = new Y.Doc()\n" })
    expect(res.status).not.toBe(0)
    expect(res.out).toContain('yjs-only-in-record')
  })
})
