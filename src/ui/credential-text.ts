import { msg, str } from '@lit/localize'
import type { GranteeCredential } from '../app/index.ts'

/** "Verified by <authority>", or "Unverified" and why, in the current language. */
export function credentialLine(c: GranteeCredential): string {
  switch (c.status) {
    case 'verified': {
      const authority = c.authority ?? ''
      return msg(str`Verified by ${authority}`)
    }
    case 'untrusted':
      return msg('Unverified: the licence comes from an authority this app does not trust')
    case 'expired':
      return msg('Unverified: the licence has expired')
    case 'invalid':
      return msg('Unverified: the licence is not valid')
    case 'none':
      return msg('Unverified: no licence was presented')
  }
}
