import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Loads the relay's libp2p key from `<dataDir>/relay.key`, creating it on first start,
 * so the relay keeps the same PeerId (and so the same multiaddr in invites and QR codes)
 * across restarts. This is the relay's own transport identity, not a patient secret.
 */
export async function loadOrCreateRelayKey(dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, 'relay.key')
  try {
    return privateKeyFromProtobuf(await readFile(file))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  // write-then-rename so a crash never leaves a half-written key behind
  await writeFile(`${file}.tmp`, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(`${file}.tmp`, file)
  return key
}
