/**
 * Renders public/icons/*.svg to the PNG sizes the web manifest lists (run once after
 * changing an icon: `node scripts/make-icons.ts`). Uses the same Chromium as the tests.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { launchChromium } from '../test/helpers/browser.ts'

const dir = fileURLToPath(new URL('../public/icons/', import.meta.url))
const browser = await launchChromium()
try {
  for (const [svg, size, out] of [['icon.svg', 192, 'icon-192.png'], ['icon.svg', 512, 'icon-512.png'], ['maskable.svg', 512, 'maskable-512.png']] as const) {
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    const body = (await readFile(dir + svg, 'utf8')).replace('<svg ', `<svg width="${size}" height="${size}" `)
    await page.setContent(`<html><body style="margin:0;background:transparent">${body}</body></html>`)
    await page.screenshot({ path: dir + out, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } })
    await page.close()
  }
} finally {
  await browser.close()
}
