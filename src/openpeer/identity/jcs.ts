import canonicalizeImport from 'canonicalize'

// canonicalize ships CommonJS; under some bundlers the default import arrives wrapped.
const canonicalizeFn = ((canonicalizeImport as unknown as { default?: unknown }).default ??
  canonicalizeImport) as (value: unknown) => string | undefined

/**
 * RFC 8785 JSON Canonicalization: the ONE encoder for anything that is signed or hashed
 * (PROTOCOL §2). Never sign JSON.stringify output: key order and number forms differ.
 */
export function jcs(value: unknown): string {
  const out = canonicalizeFn(value)
  if (out === undefined) throw new TypeError('value has no canonical JSON form')
  return out
}
