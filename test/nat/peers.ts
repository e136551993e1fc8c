import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { SelectedPair } from '../../src/openpeer/index.ts'
import type { Lab } from './lab.ts'
import type { Command, PeerInit } from './peer.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SCRIPT = fileURLToPath(new URL('./peer.ts', import.meta.url))

type Args<C extends Command['cmd']> =
  Extract<Command, { cmd: C }> extends { args: infer A } ? A : undefined

/** The parent's handle on a Node client running in a lab namespace (test/nat/peer.ts). */
export class LabPeer {
  contactId = ''
  private next = 1
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >()
  private log = ''

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      const waiter = m.id ? this.pending.get(m.id) : undefined
      if (!waiter || !m.id) return
      this.pending.delete(m.id)
      if (m.ok) waiter.resolve(m.result)
      else waiter.reject(new Error(`${name}: ${m.error}`))
    })
    child.stderr?.on('data', (c: Buffer) => (this.log = (this.log + c.toString()).slice(-4000)))
    child.once('exit', (code) => {
      for (const w of this.pending.values())
        w.reject(new Error(`${name} exited (${code}): ${this.log.trim().slice(-1500)}`))
      this.pending.clear()
    })
  }

  /** Starts the process in namespace `ns`; `init` makes (or remakes) its client. */
  static async start(lab: Lab, ns: string, name: string): Promise<LabPeer> {
    const child = lab.spawn(ns, process.execPath, ['--import', 'tsx', SCRIPT], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    })
    const peer = new LabPeer(name, child)
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve())
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${peer.log}`)))
    })
    return peer
  }

  /** A fresh client and identity (the previous one stops), online at the finder. */
  async init(init: Omit<PeerInit, 'name'>): Promise<void> {
    this.contactId = (await this.call('init', { ...init, name: this.name })).contactId
  }

  call(cmd: 'init', args: PeerInit): Promise<{ contactId: string }>
  call(cmd: 'invite'): Promise<string>
  call(cmd: 'accept', args: Args<'accept'>): Promise<{ contactId: string; ms: number }>
  call(cmd: 'send', args: Args<'send'>): Promise<unknown>
  call(cmd: 'waitMessage', args: Args<'waitMessage'>): Promise<true>
  call(cmd: 'share', args: Args<'share'>): Promise<{ infoHash: string; sha256: string }>
  call(cmd: 'download', args: Args<'download'>): Promise<{ sha256: string; ms: number }>
  call(cmd: 'pair'): Promise<{ pair: SelectedPair | undefined; contactPath: string | undefined }>
  call(cmd: 'received'): Promise<string[]>
  call(cmd: 'waitPath', args: Args<'waitPath'>): Promise<true>
  call(cmd: 'messages', args?: { from?: string }): Promise<string[]>
  call(cmd: 'introduce', args: Args<'introduce'>): Promise<unknown>
  call(cmd: 'networkChanged'): Promise<true>
  call(cmd: 'waitProgress', args: Args<'waitProgress'>): Promise<true>
  call(cmd: 'waitConnected', args: Args<'waitConnected'>): Promise<true>
  call(cmd: 'contactLog', args: Args<'contactLog'>): Promise<string[]>
  call(cmd: 'waitDelivered', args: Args<'waitDelivered'>): Promise<true>
  call(cmd: 'progress', args: Args<'progress'>): Promise<number>
  call(cmd: 'events'): Promise<string[]>
  call(cmd: 'stop'): Promise<true>
  call(cmd: Command['cmd'], args?: unknown): Promise<unknown> {
    const id = this.next++
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error(`${this.name} is gone: ${this.log}`))
      this.pending.set(id, { resolve, reject })
      this.child.send({ id, cmd, args })
    })
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return
    const exited = new Promise((r) => this.child.once('exit', r))
    const late = (ms: number) => new Promise((r) => setTimeout(r, ms))
    // A wedged client never answers: the lab's cleanup must not wait for it.
    await Promise.race([this.call('stop').catch(() => {}), late(5_000)])
    await Promise.race([exited, late(2_000)])
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
  }
}
