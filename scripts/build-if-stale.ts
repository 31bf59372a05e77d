import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const INPUTS = ['index.html', 'vite.config.ts', 'package-lock.json', 'src', 'workers', 'public']
const STAMP = 'dist/.build-stamp'

async function newestMtime(path: string): Promise<number> {
  let st
  try {
    st = await stat(path)
  } catch {
    // an optional input that does not exist adds nothing
    return 0
  }
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)))
  return newest
}

/**
 * Runs `vite build` when any input is newer than the last build (or `PHR_FORCE_BUILD=1`).
 * @returns whether it built
 */
export async function buildIfStale(root: string): Promise<boolean> {
  let stamp = 0
  try {
    stamp = (await stat(join(root, STAMP))).mtimeMs
  } catch {
    // no stamp: never built here
  }
  const inputs = Math.max(...(await Promise.all(INPUTS.map((p) => newestMtime(join(root, p))))))
  if (process.env['PHR_FORCE_BUILD'] !== '1' && stamp > inputs) return false
  const { build } = await import('vite')
  // a production build whatever NODE_ENV the caller runs under (a test runner sets "test",
  // which made Vite resolve the "development" exports: Lit's dev mode shipped in dist/)
  const nodeEnv = process.env['NODE_ENV']
  process.env['NODE_ENV'] = 'production'
  try {
    await build({ root, mode: 'production', logLevel: 'warn', configFile: join(root, 'vite.config.ts') })
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV']
    else process.env['NODE_ENV'] = nodeEnv
  }
  await writeFile(join(root, STAMP), new Date().toISOString())
  return true
}
