import { describe, expect, it } from 'vitest'
import { fromBase64Url } from './encoding.ts'
import {
  exportPublicJwk,
  generateIdentityKeys,
  importBoxKey,
  importVerifyKey,
  keysMovable,
} from './keys.ts'

describe('generateIdentityKeys', () => {
  it('makes throwaway private keys that can never leave WebCrypto', async () => {
    const keys = await generateIdentityKeys()
    for (const key of [keys.sign.privateKey, keys.box.privateKey]) {
      expect(key.extractable).toBe(false)
      await expect(crypto.subtle.exportKey('jwk', key)).rejects.toThrow()
      await expect(crypto.subtle.exportKey('pkcs8', key)).rejects.toThrow()
    }
  })

  it('makes movable keys only when asked (an identity), never by default (a throwaway)', async () => {
    expect(keysMovable(await generateIdentityKeys())).toBe(false)
    const movable = await generateIdentityKeys({ extractable: true })
    expect(keysMovable(movable)).toBe(true)
  })

  it('makes a P-256 signing pair and a separate P-256 ECDH box pair', async () => {
    const keys = await generateIdentityKeys()
    expect(keys.sign.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' })
    expect(keys.sign.privateKey.usages).toEqual(['sign'])
    expect(keys.box.privateKey.algorithm).toMatchObject({ name: 'ECDH', namedCurve: 'P-256' })
    expect(keys.box.privateKey.usages).toEqual(['deriveBits'])
    const [sign, box] = await Promise.all([
      exportPublicJwk(keys.sign.publicKey),
      exportPublicJwk(keys.box.publicKey),
    ])
    expect(sign).not.toEqual(box)
  })

  it('makes different keys each time', async () => {
    const [a, b] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()])
    expect(await exportPublicJwk(a.sign.publicKey)).not.toEqual(
      await exportPublicJwk(b.sign.publicKey),
    )
  })
})

describe('exportPublicJwk', () => {
  it('gives exactly { kty, crv, x, y } with 32-byte base64url coordinates', async () => {
    const keys = await generateIdentityKeys()
    const jwk = await exportPublicJwk(keys.sign.publicKey)
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x', 'y'])
    expect(jwk.kty).toBe('EC')
    expect(jwk.crv).toBe('P-256')
    for (const c of [jwk.x, jwk.y]) {
      expect(c).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(fromBase64Url(c)).toHaveLength(32)
    }
  })

  it('refuses a key on another curve', async () => {
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])
    await expect(exportPublicJwk(p384.publicKey)).rejects.toMatchObject({ code: 'ERR_INTERNAL' })
  })
})

describe('importVerifyKey / importBoxKey', () => {
  it('import what exportPublicJwk gives, for the right use', async () => {
    const keys = await generateIdentityKeys()
    const verify = await importVerifyKey(await exportPublicJwk(keys.sign.publicKey))
    expect(verify.type).toBe('public')
    expect(verify.usages).toEqual(['verify'])
    const data = new Uint8Array([1, 2, 3])
    const sig = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      keys.sign.privateKey,
      data,
    )
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, verify, sig, data)).toBe(
      true,
    )
    const box = await importBoxKey(await exportPublicJwk(keys.box.publicKey))
    expect(box.algorithm).toMatchObject({ name: 'ECDH', namedCurve: 'P-256' })
  })

  it('keep a key in use while others stream through the cache (512 keys, least recent out)', async () => {
    const jwkOf = async () => {
      const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])
      return exportPublicJwk(pair.publicKey)
    }
    const mine = await jwkOf()
    const first = await importVerifyKey(mine)
    const others = await Promise.all(Array.from({ length: 512 }, jwkOf))
    for (const jwk of others.slice(0, 511)) await importVerifyKey(jwk)
    // Used again (a connect's reply and signals after its find): now the most recent.
    expect(await importVerifyKey(mine)).toBe(first)
    // One more key evicts the least recently used, which is no longer mine.
    await importVerifyKey(others[511]!)
    expect(await importVerifyKey(mine)).toBe(first)
  })

  it('reject a point that is not on the curve with ERR_SIGNATURE, every time', async () => {
    const bad = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } as const
    await expect(importVerifyKey(bad)).rejects.toMatchObject({ code: 'ERR_SIGNATURE' })
    await expect(importVerifyKey(bad)).rejects.toMatchObject({ code: 'ERR_SIGNATURE' })
    await expect(importBoxKey(bad)).rejects.toMatchObject({ code: 'ERR_SIGNATURE' })
  })
})
