/**
 * Every visible string goes through @lit/localize: this extracts the messages from the
 * source as `lit-localize extract` does (into a copy of xliff/) and checks that each
 * has a translation in Uzbek (Latin) and Russian, and that the generated locale
 * modules carry exactly those messages.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../helpers/server.ts'

const LOCALES = ['uz-Latn', 'ru']
let dir: string

function units(xlf: string): Array<{ id: string; source: string; target: string | undefined }> {
  return [...xlf.matchAll(/<trans-unit id="([^"]+)">([\s\S]*?)<\/trans-unit>/g)].map((m) => ({
    id: m[1] ?? '',
    source: /<source>([\s\S]*?)<\/source>/.exec(m[2] ?? '')?.[1] ?? '',
    target: /<target>([\s\S]*?)<\/target>/.exec(m[2] ?? '')?.[1]
  }))
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phr-i18n-'))
  cpSync(join(ROOT, 'xliff'), join(dir, 'xliff'), { recursive: true })
  const config = JSON.parse(readFileSync(join(ROOT, 'lit-localize.json'), 'utf8')) as {
    inputFiles: string[]
    output: { outputDir: string; localeCodesModule: string }
    interchange: { xliffDir: string }
  }
  // lit-localize resolves paths against the config file's folder: make them absolute
  config.inputFiles = config.inputFiles.map((p) => (p.startsWith('!') ? `!${join(ROOT, p.slice(1))}` : join(ROOT, p)))
  config.output.outputDir = join(dir, 'out')
  config.output.localeCodesModule = join(dir, 'out/locale-codes.ts')
  config.interchange.xliffDir = join(dir, 'xliff')
  writeFileSync(join(dir, 'lit-localize.json'), JSON.stringify(config))
  const res = spawnSync(join(ROOT, 'node_modules/.bin/lit-localize'), ['extract', '--config', join(dir, 'lit-localize.json')], { cwd: ROOT, encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`lit-localize extract failed: ${res.stderr}`)
}, 60_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('translations', () => {
  for (const locale of LOCALES) {
    it(`every message in the source has a ${locale} translation`, () => {
      const all = units(readFileSync(join(dir, 'xliff', `${locale}.xlf`), 'utf8'))
      // the shell alone has dozens of messages: an empty extraction means the check is broken
      expect(all.length).toBeGreaterThan(30)
      const missing = all.filter((u) => u.target === undefined || u.target.trim() === '')
      expect(missing.map((u) => u.source)).toEqual([])
    })

    it(`the generated ${locale} module is up to date with xliff/ (run npm run i18n:build)`, () => {
      const ids = units(readFileSync(join(dir, 'xliff', `${locale}.xlf`), 'utf8')).map((u) => u.id).sort()
      const generated = readFileSync(join(ROOT, 'src/ui/locales', `${locale}.ts`), 'utf8')
      const genIds = [...generated.matchAll(/^\s*'(s[0-9a-f]+)':/gm)].map((m) => m[1]).sort()
      expect(genIds).toEqual(ids)
    })
  }
})
