export { createMemoryNetwork, MemoryPeer, type MemoryNetwork } from './memory-network.ts'
export { MemoryChannel } from './memory-channel.ts'
