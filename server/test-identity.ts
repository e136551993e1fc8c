import {
  createPeerFile,
  findSecretProof,
  generateIdentityKeys,
  randomId,
  seal,
  sealOnChannel,
  sealOpening,
  signJson,
  type IdentityKeys,
  type SectionA,
  type SectionB,
  type SectionC,
} from '../src/openpeer/identity/index.ts'
import { digestOf, makeProof, type Proof } from '../src/openpeer/wire/index.ts'

// A load bench makes its key sets itself (one per many contacts: see makeContact's `keys`).
export { generateIdentityKeys, type IdentityKeys }

/** A contact made with the real identity code, so the tests speak the real protocol. */
export interface TestContact {
  keys: IdentityKeys
  contactId: string
  uri: string
  A: SectionA
  B: SectionB
  C: SectionC
}

/**
 * `keys`: reuse a key set (a load bench making thousands of contacts: each `now` gives another
 * section A, so another contact id, for three signatures instead of two key pairs more).
 */
export async function makeContact(
  domain: string,
  name = 'Tester',
  opts: { keys?: IdentityKeys; now?: number } = {},
): Promise<TestContact> {
  const keys = opts.keys ?? (await generateIdentityKeys())
  const { contactId, uri, file } = await createPeerFile(keys, { domain, name, now: opts.now })
  if (!file.B || !file.C) throw new Error('createPeerFile made no B or C')
  return { keys, contactId, uri, A: file.A, B: file.B, C: file.C }
}

export interface ProofTiming {
  lifetime?: number
  now?: number
}

/** session-create body: registers `location` of `contact` at `finder`, findable unless withB false. */
export async function sessionCreateBody(
  contact: TestContact,
  finder: string,
  location: string,
  opts: ProofTiming & { withB?: boolean; B?: SectionB } = {},
) {
  const peer = opts.withB === false ? { A: contact.A } : { A: contact.A, B: opts.B ?? contact.B }
  const proof = await makeProof(
    contact.keys.sign.privateKey,
    { finder, location: { id: location, label: `${location} label` }, peer },
    opts.lifetime,
    opts.now,
  )
  return { proof }
}

export type FindProof = Awaited<ReturnType<typeof findRequestBody>>['proof']

/**
 * peer-location-find request body from `from` (at `fromLocation`) to `target`, proving it holds
 * `findSecret` (default: the target's real one).
 */
export async function findRequestBody(
  from: TestContact,
  fromLocation: string,
  target: TestContact,
  opts: ProofTiming & { context?: string; findSecret?: string } = {},
) {
  const nonce = randomId()
  const expires = (opts.now ?? Date.now()) + (opts.lifetime ?? 2 * 60_000)
  const context = opts.context ?? randomId()
  const proof = await signJson(from.keys.sign.privateKey, {
    to: target.uri,
    findSecretProof: await findSecretProof(opts.findSecret ?? target.B.findSecret, {
      from: from.contactId,
      to: target.uri,
      context,
      nonce,
      expires,
    }),
    context,
    from: from.A,
    fromLocation,
    sealed: await seal(
      target.A.boxKey,
      { sdpOffer: 'v=0 offer', location: fromLocation, peer: { A: from.A, B: from.B, C: from.C } },
      'find',
    ),
    nonce,
    expires,
  })
  return { proof }
}

/** The target's signed reply (peer-location-find notify) to a find request proof. */
export async function findReplyBody(
  target: TestContact,
  location: string,
  request: FindProof,
  initiator: SectionA,
  opts: ProofTiming = {},
) {
  const proof = await makeProof(
    target.keys.sign.privateKey,
    {
      requestDigest: await digestOf(request),
      context: request.context,
      location,
      sealed: await seal(initiator.boxKey, { sdpAnswer: 'v=0 answer', location }, 'find-reply'),
    },
    opts.lifetime,
    opts.now,
  )
  return { proof }
}

/** A peer-location-signal notify body from location `from` to location `to`. */
export async function signalBody(
  sender: TestContact,
  context: string,
  from: string,
  to: string,
  recipient: SectionA,
): Promise<{ proof: Proof<Record<string, unknown>> }> {
  // Under a channel key the exchange's seal opened, as clients do (find-proofs.ts).
  const { channel } = await sealOpening(recipient.boxKey, {}, 'find', `signal ${context} test`)
  const sealed = await sealOnChannel(
    channel as CryptoKey,
    {
      signals: [
        { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' } },
      ],
    },
    'signal',
  )
  return { proof: await makeProof(sender.keys.sign.privateKey, { context, from, to, sealed }) }
}
